"""XTS2's browser client (``/client/``): plain ES modules served by the server through the
``register_static_files`` hook; nothing to build."""
