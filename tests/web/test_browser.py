"""The desk in a real browser: `dossier serve` on a free port (a subprocess, as a user
starts it), headless Chromium driven by selenium uploads a corpus dossier through the
page, waits for the report, and the page's findings are compared with `dossier check` on
the same file; the annotated copies are downloaded through the page and their comments
counted. Set DOSSIER_SCREENSHOT=path to keep a screenshot of the report page."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest

REPO = Path(__file__).resolve().parents[2]
GAPS = REPO / "corpus" / "dossiers" / "yongchuan-final-acceptance-gaps" / "dossier.zip"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="headless Chromium and chromedriver are not installed (apt: chromium chromium-driver; see .ci/run)",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1800", "--lang=zh-CN"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def cli_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("cli") / "report.json"
    subprocess.run([sys.executable, "-m", "dossier", "check", str(GAPS), "-j", "yongchuan", "-s", "final-acceptance",
                    "--no-ocr", "-f", "json", "-o", str(out)], cwd=REPO, capture_output=True, timeout=300)
    report: dict[str, Any] = json.loads(out.read_text("utf-8"))
    return report


def key(code: str, requirement: str, location: dict[str, Any]) -> tuple[str, str, str]:
    return code, requirement, json.dumps(location, sort_keys=True, ensure_ascii=False)


def test_upload_through_the_page_gives_the_cli_findings(server: Any, browser: Any,
                                                        cli_report: dict[str, Any]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    browser.get(server.base + "/")
    assert "上传送审材料" in browser.page_source
    Select(browser.find_element(By.ID, "jurisdiction")).select_by_value("yongchuan")
    stage = Select(browser.find_element(By.ID, "stage"))
    assert "重庆市永川区 · 终验投用" in [o.text for o in stage.options]
    stage.select_by_value("final-acceptance")
    browser.find_element(By.ID, "file").send_keys(str(GAPS))
    browser.find_element(By.ID, "submit").click()
    WebDriverWait(browser, 240).until(ec.presence_of_element_located((By.ID, "findings-table")))
    assert "/jobs/" in browser.current_url

    rows = browser.find_elements(By.CSS_SELECTOR, "#findings-table tr.row")
    page = sorted(key(r.get_attribute("data-code"), r.get_attribute("data-requirement"),
                      json.loads(r.get_attribute("data-location"))) for r in rows)
    cli = sorted(key(f["code"], f["requirement"], f.get("location", {})) for f in cli_report["findings"])
    assert page == cli
    assert "重庆市永川区 · 终验投用" in browser.find_element(By.CSS_SELECTOR, ".hero .subtitle").text

    # The filter works in the browser: only errors left.
    Select(browser.find_element(By.CSS_SELECTOR, '.filterbar[data-for="findings-table"] select[data-key="severity"]')
           ).select_by_value("error")
    shown = [r for r in browser.find_elements(By.CSS_SELECTOR, "#findings-table tr.row") if r.is_displayed()]
    assert len(shown) == cli_report["summary"]["errors"]
    Select(browser.find_element(By.CSS_SELECTOR, '.filterbar[data-for="findings-table"] select[data-key="severity"]')
           ).select_by_value("")

    target = os.environ.get("DOSSIER_SCREENSHOT")
    if target:
        browser.execute_script("window.scrollTo(0, 0)")
        browser.save_screenshot(target)

    # The annotated copies, fetched by the page's own link with the browser's session.
    href = browser.find_element(By.CSS_SELECTOR, 'a.download[data-kind="annotated"]').get_attribute("href")
    encoded = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(r => r.arrayBuffer()).then(buf => {
          let s = ""; const bytes = new Uint8Array(buf);
          for (let i = 0; i < bytes.length; i++) { s += String.fromCharCode(bytes[i]); }
          done(btoa(s));
        }).catch(e => done("ERROR " + e));
    """, href)
    assert not encoded.startswith("ERROR"), encoded
    by_file: dict[str, int] = {}
    for f in cli_report["findings"]:
        file = f.get("location", {}).get("file", "")
        if "!/" in file:
            by_file[file.split("!/", 1)[1]] = by_file.get(file.split("!/", 1)[1], 0) + 1
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(encoded))) as zf:
        names = zf.namelist()
        assert names
        total = 0
        for name in names:
            comments = len(docx.Document(io.BytesIO(zf.read(name))).comments)
            assert comments == by_file.get(name, 0), name
            total += comments
    assert total >= 8
