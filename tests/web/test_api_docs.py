"""/docs renders the API's operations from the vendored Swagger UI, with the machine offline."""

import json
import urllib.request

from tests.web.webstack import console_text, wait

# Every host name but this machine's fails to resolve: a page that needs a CDN stays blank (it did: FastAPI's
# page loads Swagger UI from cdn.jsdelivr.net).
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
SHOWN = """return [Array.from(document.querySelectorAll('.opblock-tag')).map((e) => e.dataset.tag),
                   Array.from(document.querySelectorAll('.opblock-summary-path')).map((e) => e.dataset.path)]"""


def test_docs_render_the_operations_offline_from_this_backend(stack, browser_factory, shoot):
    with urllib.request.urlopen(stack.url("/openapi.json"), timeout=10) as response:
        spec = json.load(response)
    tags = {tag for path in spec["paths"].values() for operation in path.values() for tag in operation["tags"]}
    public = {path for path, operations in spec["paths"].items()
              if any("public" in operation["tags"] for operation in operations.values())}
    driver = browser_factory(extra_args=(OFFLINE,))
    driver.get(stack.url("/docs"))
    seen_tags, seen_paths = set(), set()

    def scrolled_through(d):  # Swagger UI renders the sections as they come into view
        shown_tags, shown_paths = d.execute_script(SHOWN)
        seen_tags.update(shown_tags)
        seen_paths.update(shown_paths)
        d.execute_script("window.scrollBy(0, 400)")
        return seen_tags == tags and public <= seen_paths

    wait(driver, scrolled_through, timeout=60,
         message=f"/docs did not show every section and the public operations\n{console_text(driver)}")
    driver.execute_script("window.scrollTo(0, 0)")
    assert driver.find_element("css selector", ".info .title").text.startswith("resident")
    requested = driver.execute_script("return performance.getEntriesByType('resource').map((e) => e.name)")
    origin = stack.url("/").rstrip("/")
    assert f"{origin}/static/vendor/swagger-ui-bundle.js" in requested and f"{origin}/openapi.json" in requested
    assert all(name.startswith(origin + "/") for name in requested), requested  # nothing from another host
    shoot(driver, "api-docs")
