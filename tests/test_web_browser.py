"""The web application in a real browser: ``saraban serve`` as a process on a free port, Debian's
headless chromium driven by Selenium (chromedriver from the chromium-driver package).

A clerk signs in, fills the appoint-admin form with a wrong citizen ID (the error shows at the
field as it is left), corrects it, previews the draft's pages, issues, downloads the PDF and
reads its number, sends the case on, and is refused when cancelling a number.

With ``SARABAN_WEB_SCREENSHOTS=docs`` the pages are saved as docs/web-*.png (docs/web.md).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from engine.thai import to_arabic_digits
from tests.conftest import EXAMPLES, make_workspace
from tests.test_web import APPOINT, PASSWORDS, UPLOADS

FILES = EXAMPLES / "tambon" / "files"
SETUP = "run `make setup` (it installs Debian's chromium and chromium-driver)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``saraban serve`` on a tambon workspace with a clerk and an admin: (its URL, the root)."""
    root = make_workspace(tmp_path, "tambon")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    cli = [sys.executable, "-m", "engine.cli", "--workspace", str(root)]
    for role in ("clerk", "admin"):
        subprocess.run([*cli, "user", "add", role, "--role", role], input=PASSWORDS[role] + "\n",
                       text=True, check=True, env=env, timeout=60)  # fmt: skip
    port = _free_port()
    # the server as an office runs it: its pages and the engine's messages on them in Thai
    served = {k: v for k, v in env.items() if k != "SARABAN_LANG"}
    proc = subprocess.Popen([*cli, "serve", "--port", str(port)], env=served,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/signin", timeout=5) as r:
                    assert r.status == 200
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        f"saraban serve did not start: {proc.stdout and proc.stdout.read()}"
                    ) from None
                time.sleep(0.2)
        yield url, root
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    missing = [p for p in ("chromium", "chromedriver") if shutil.which(p) is None]
    if missing:
        pytest.fail(f"{' and '.join(missing)} missing: {SETUP}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or ""
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1400", "--lang=th-TH"):  # fmt: skip
        options.add_argument(arg)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads),
        "download.prompt_for_download": False,
        "plugins.always_open_pdf_externally": True,
    })  # fmt: skip
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    driver.downloads = downloads  # type: ignore[attr-defined]
    try:
        yield driver
    finally:
        driver.quit()


def _shoot(driver, name: str) -> None:
    folder = os.environ.get("SARABAN_WEB_SCREENSHOTS")
    if folder:
        driver.execute_script("window.scrollTo(0, 0)")
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1280, min(max(height, 700), 3000))
        driver.save_screenshot(str(Path(folder) / f"web-{name}.png"))
        driver.set_window_size(1280, 1400)


def test_a_clerk_issues_an_appointment_in_the_browser(server, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    url, root = server
    driver = browser
    wait = WebDriverWait(driver, 120)
    driver.get(f"{url}/")
    assert driver.current_url.startswith(f"{url}/signin")
    _shoot(driver, "signin")
    driver.find_element(By.ID, "name").send_keys("clerk")
    driver.find_element(By.ID, "password").send_keys(PASSWORDS["clerk"])
    driver.find_element(By.ID, "signin").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "สวัสดี clerk"))

    driver.get(f"{url}/new")
    _shoot(driver, "new")
    driver.find_element(By.ID, "wf-appoint-admin").click()
    wait.until(ec.presence_of_element_located((By.ID, "letter-form")))
    for name, value in {**APPOINT, "outgoing_citizen_id": "1-3099-00123-45-4"}.items():
        element = driver.find_element(By.NAME, name)
        if element.tag_name == "select":
            Select(element).select_by_value(value)
        else:
            element.send_keys(value)
    for name in UPLOADS:
        driver.find_element(By.NAME, name).send_keys(str(FILES / "id-card-incoming.pdf"))
    driver.find_element(By.NAME, "incoming_position").click()  # leave the citizen ID field
    error = wait.until(ec.visibility_of_element_located((By.ID, "error-outgoing_citizen_id")))
    assert "ไม่ผ่านการตรวจหลักสุดท้าย" in error.text  # the checksum, in Thai
    _shoot(driver, "form-error")
    field = driver.find_element(By.NAME, "outgoing_citizen_id")
    field.send_keys(Keys.CONTROL, "a")  # typed over (clear() would fire a change of its own)
    field.send_keys(APPOINT["outgoing_citizen_id"])
    driver.find_element(By.NAME, "incoming_position").click()
    wait.until(ec.invisibility_of_element_located((By.ID, "error-outgoing_citizen_id")))

    driver.find_element(By.ID, "preview").click()  # the draft with its PDF: the preview
    wait.until(ec.presence_of_element_located((By.ID, "event-issue")))
    pages = driver.find_elements(By.CSS_SELECTOR, ".pages img")
    assert len(pages) >= 2
    wait.until(
        lambda d: all(d.execute_script("return arguments[0].naturalWidth", p) > 0 for p in pages)
    )
    _shoot(driver, "preview")

    driver.find_element(By.ID, "event-issue").click()
    wait.until(ec.presence_of_element_located((By.ID, "number")))
    numbers = [e.text for e in driver.find_elements(By.ID, "number")]
    letter_number = next(n for n in numbers if n.startswith("นม"))
    _shoot(driver, "case")
    links = driver.find_elements(By.CSS_SELECTOR, "a[id$='-pdf']")
    links[-1].click()  # the letter's PDF (the order's comes first)
    deadline = time.monotonic() + 60
    downloaded: list[Path] = []
    while not downloaded and time.monotonic() < deadline:
        downloaded = [p for p in driver.downloads.glob("*.pdf")]  # type: ignore[attr-defined]
        time.sleep(0.2)
    assert downloaded, "the PDF was not downloaded"
    text = "".join(p.extract_text() for p in PdfReader(downloaded[0]).pages)
    assert f"ที่ {letter_number}" in to_arabic_digits(text.replace("\xa0", " "))

    driver.find_element(By.ID, "event-send").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "state"), "ส่งธนาคารแล้ว"))
    assert not driver.find_elements(By.ID, "event-cancel")  # not offered to a clerk

    driver.get(f"{url}/register")
    _shoot(driver, "register")
    driver.get(f"{url}/")
    _shoot(driver, "home")
    driver.get(f"{url}/register/1/cancel")
    assert "ไม่มีสิทธิ์" in driver.find_element(By.ID, "message").text
