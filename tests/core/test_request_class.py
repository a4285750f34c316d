"""The request class: made once at start-up with XTS2's request methods, not per request."""

from __future__ import annotations

from pyramid.request import Request

ENVIRON = {"PATH_INFO": "/v2", "REQUEST_METHOD": "GET", "wsgi.url_scheme": "http",
           "SERVER_NAME": "localhost", "SERVER_PORT": "80"}


def test_every_request_is_of_one_class_with_the_request_methods(xts2_app_factory):
    app = xts2_app_factory()
    router = app.wsgi
    cls = router.request_factory
    assert issubclass(cls, Request) and cls is not Request
    for name in ("dbsession", "tm", "now", "tz", "terminal", "is_admin"):
        assert name in vars(cls), name
    classes = set()
    for _ in range(2):
        with router.request_context(dict(ENVIRON)) as request:
            classes.add(type(request))
            assert request.registry is router.registry and request.now is not None
    assert classes == {cls}
    # and the requests served work as before, reads and writes
    basket = app.call("baskets/newbasket")["basket"]["id"]
    assert app.call("baskets/getbasket", {"basket": basket})["basket"]["id"] == basket
