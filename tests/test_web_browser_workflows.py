"""The "done when" of issue 13 in a real browser: a clerk signs in and, for each of the three
workflows of the tambon office (appoint-admin, change-user, request-elaas-password), fills the
form generated from its inputs, previews the draft's pages, issues with PDF, downloads every PDF
of the case and reads the numbers in them with pdftotext, then finds each number in the
register by its search box.

``saraban serve`` runs as a process and Debian's headless chromium is driven by Selenium (the
fixtures of tests/test_web_browser.py).
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

from engine.thai import to_arabic_digits
from tests.test_web import APPOINT, PASSWORDS, UPLOADS
from tests.test_web_browser import FILES, browser, server  # noqa: F401 - the fixtures

#: Each workflow's form as a clerk fills it (examples/*.yaml), and its uploads.
FORMS: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    "appoint-admin": (APPOINT, UPLOADS),
    "change-user": (
        {
            "change": "replace",
            "role": "authorizer",
            "company_id": "GMIS123456",
            "administrator": "นายธนากร วงศ์สวัสดิ์",
            "outgoing": "นางอรุณี ทองดี",
            "incoming": "นางสาวกมลชนก รุ่งเรืองศรี",
            "incoming_position": "ปลัดองค์การบริหารส่วนตำบลทุ่งสว่างใหม่",
            "incoming_mobile": "062-345-6789",
            "incoming_email": "kamonchanok.r@thungsawangmai.go.th",
            "signer": "nayok",
        },
        (),
    ),
    "request-elaas-password": (
        {
            "requester": "head",
            "reason": "locked",
            "applicant": "นางสาวสุดารัตน์ ใจงาม",
            "applicant_position": "ผู้อำนวยการกองคลัง",
            "applicant_unit": "กองคลัง",
            "applicant_citizen_id": "1-3099-00123-45-5",
            "applicant_mobile": "089-876-5432",
            "applicant_email": "sudarat.j@thungsawangmai.go.th",
            "district": "ปักธงชัย",
            "province": "นครราชสีมา",
            "roles": "บันทึกรายการ\nอนุมัติรายการ",  # a list: one item a line
            "contact": "นางสาวพิมพ์ชนก แก้วใส โทร 044-123-456",
            "signer": "nayok",
        },
        (),
    ),
}


def _text(pdf: Path) -> str:
    """The PDF's text (pdftotext), with Arabic digits and single spaces."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                         text=True, check=True, timeout=60).stdout  # fmt: skip
    return re.sub(r"\s+", " ", to_arabic_digits(out.replace("\xa0", " ")))


def _download(driver, link) -> Path:  # type: ignore[no-untyped-def]
    """Click a download link; the file it brought."""
    folder: Path = driver.downloads
    before = set(folder.iterdir())
    link.click()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        new = [p for p in set(folder.iterdir()) - before if p.suffix == ".pdf"]
        if new:
            return new[0]
        time.sleep(0.2)
    raise AssertionError(f"nothing downloaded from {link.get_attribute('href')}")


def test_a_clerk_issues_each_workflow_with_pdf_and_finds_it_in_the_register(
    server,  # noqa: F811 - the fixture
    browser,  # noqa: F811 - the fixture
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    url, _root = server
    driver = browser
    wait = WebDriverWait(driver, 240)
    driver.get(f"{url}/signin")
    driver.find_element(By.ID, "name").send_keys("clerk")
    driver.find_element(By.ID, "password").send_keys(PASSWORDS["clerk"])
    driver.find_element(By.ID, "signin").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "สวัสดี clerk"))

    issued: dict[str, list[str]] = {}
    for workflow, (values, uploads) in FORMS.items():
        driver.get(f"{url}/new")
        driver.find_element(By.ID, f"wf-{workflow}").click()
        wait.until(ec.presence_of_element_located((By.ID, "letter-form")))
        for name, value in values.items():
            element = driver.find_element(By.NAME, name)
            if element.tag_name == "select":
                Select(element).select_by_value(value)
            else:
                element.send_keys(Keys.CONTROL, "a")  # over a default, if any
                element.send_keys(value)
        for name in uploads:
            driver.find_element(By.NAME, name).send_keys(str(FILES / "id-card-incoming.pdf"))
        driver.find_element(By.ID, "preview").click()
        wait.until(ec.presence_of_element_located((By.ID, "event-issue")))
        assert not driver.find_elements(By.ID, "form-error"), workflow
        pages = driver.find_elements(By.CSS_SELECTOR, ".pages img")
        assert pages, f"{workflow}: no preview"
        wait.until(
            lambda d, pages=pages: all(
                d.execute_script("return arguments[0].naturalWidth", p) > 0 for p in pages
            )
        )
        assert not driver.find_element(By.ID, "nopdf-issue").is_selected()  # PDF by default
        driver.find_element(By.ID, "event-issue").click()
        wait.until(ec.presence_of_element_located((By.ID, "number")))
        numbers = [e.text.strip() for e in driver.find_elements(By.ID, "number")]
        assert numbers and all(numbers), workflow
        links = driver.find_elements(By.CSS_SELECTOR, "a[id^='download-'][id$='-pdf']")
        assert links, f"{workflow}: no PDF to download"
        text = " ".join(_text(_download(driver, link)) for link in links)
        for number in numbers:
            assert to_arabic_digits(number) in text, f"{workflow}: {number} not in its PDFs"
        issued[workflow] = numbers

    for workflow, numbers in issued.items():
        for number in numbers:
            driver.get(f"{url}/register")
            search = driver.find_element(By.ID, "q")
            search.send_keys(number)
            search.send_keys(Keys.ENTER)
            wait.until(ec.url_contains("q="))
            rows = driver.find_elements(By.CSS_SELECTOR, "#register tr.issued")
            assert [r for r in rows if number in r.text], f"{workflow}: {number} not found"
    assert len({n for ns in issued.values() for n in ns}) == sum(map(len, issued.values()))
