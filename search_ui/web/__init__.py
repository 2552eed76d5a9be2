"""The page and JSON API (`app`: Flask factory and blueprint, `page_text`: the page's words) and `kavosh
serve`
(`server`: waitress and the worker supervisor); templates and static files live beside them."""
