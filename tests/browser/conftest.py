"""Browser harness: the real app on a real port, driven by Debian's Chromium.

Playwright never downloads a browser here: it launches the system Chromium
through `executable_path`. Without Chromium the browser tests skip with a
reason, unless REQUIRE_CHROMIUM is set (CI), where they fail.
"""
import json
import shutil
import threading
from importlib.resources import files

import pytest
from werkzeug.serving import make_server

from tests.conftest import required

PHONE = {"width": 360, "height": 740}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "Chromium is not installed (apt-get install chromium)"
        if required("REQUIRE_CHROMIUM"):
            pytest.fail(f"REQUIRE_CHROMIUM is set but {message}")
        pytest.skip(f"browser tests skipped: {message}")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class LiveServer:
    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture
def live_server(app):
    """The test's app served over HTTP on a free port, with the test's database."""
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def phone(browser):
    """A new browser context the size of a small phone (360 × 740). Every page
    it opens may load only from our own server: no third-party requests."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    elsewhere = []
    context.on("request", lambda request: elsewhere.append(request.url) if not _is_ours(request.url) else None)
    page = context.new_page()
    yield page
    context.close()
    assert elsewhere == [], f"requests to other sites: {elsewhere}"


def _is_ours(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname in ("127.0.0.1", "localhost")


AXE_SOURCE = files("axe_playwright_python").joinpath("axe.min.js").read_text()


def axe_violations(page) -> list[dict]:
    """Run axe-core (shipped in a PyPI package, nothing fetched) on the page."""
    # evaluate() is not subject to the page's Content-Security-Policy.
    page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [
        {"id": violation["id"], "impact": violation["impact"], "help": violation["help"],
         "nodes": [node["target"] for node in violation["nodes"]][:5]}
        for violation in result["violations"]
    ]


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {json.dumps(violations, indent=1)}"


def assert_no_horizontal_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at {PHONE['width']}px"
