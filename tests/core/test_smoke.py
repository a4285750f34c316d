def test_index_lists_core_servlets(xts2_app_factory):
    app = xts2_app_factory(plugins=[])
    body = app.get("/v2", {"format": "json"}).json
    names = [s["name"] for s in body["servlets"]]
    assert names == ["baskets", "xts"]
    basket = app.call("baskets/newbasket")["basket"]
    assert basket["state"] == "open"
