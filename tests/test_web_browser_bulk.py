"""The circular page in a real browser (``saraban serve`` and headless chromium, as in
tests/test_web_browser.py, whose fixtures these are): a recipients file with bad rows shows each
row with its problem; the corrected file issues the circular, its progress shown, then its
downloads; the regeneration page lists the circular after office.yaml changes.

With ``SARABAN_WEB_SCREENSHOTS=docs`` the pages are saved as docs/web-circular*.png and
docs/web-regenerate.png (docs/web.md).
"""

from __future__ import annotations

from pathlib import Path

from tests.test_web import PASSWORDS
from tests.test_web_browser import _shoot, browser, server
from tests.test_web_bulk import BAD, GOOD, LETTER

__all__ = ["browser", "server"]  # the fixtures, used by name


def test_a_circular_upload_with_a_bad_row_shows_the_row(server, browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    url, root = server
    driver = browser
    wait = WebDriverWait(driver, 180)
    driver.get(f"{url}/signin")
    driver.find_element(By.ID, "name").send_keys("clerk")
    driver.find_element(By.ID, "password").send_keys(PASSWORDS["clerk"])
    driver.find_element(By.ID, "signin").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "สวัสดี clerk"))

    driver.get(f"{url}/new")
    driver.find_element(By.ID, "to-circular").click()
    wait.until(ec.presence_of_element_located((By.ID, "circular-form")))
    for name, value in LETTER.items():
        element = driver.find_element(By.NAME, name)
        if element.tag_name == "select":
            Select(element).select_by_value(value)
        else:
            element.send_keys(Keys.CONTROL, "a")  # typed over (clear() fires a change)
            element.send_keys(value)
    bad = tmp_path / "รายชื่อ.csv"
    bad.write_text(BAD, encoding="utf-8")
    driver.find_element(By.NAME, "recipients").send_keys(str(bad))
    driver.find_element(By.ID, "issue").click()

    wait.until(ec.presence_of_element_located((By.ID, "recipient-problems")))
    rows = {
        r.get_attribute("id"): r.text for r in driver.find_elements(By.CSS_SELECTOR, "tr[id^=row-]")
    }
    assert set(rows) == {"row-3", "row-4", "row-5"}, rows
    assert "เทศบาลตำบลตะคุ" in rows["row-3"] and "'ตำแหน่ง'" in rows["row-3"]
    assert "not-an-address" in rows["row-5"] and "'อีเมล'" in rows["row-5"]
    assert "รายชื่อ.csv" in driver.find_element(By.ID, "field-recipients").text
    assert driver.find_element(By.NAME, "subject").get_attribute("value") == LETTER["subject"]
    _shoot(driver, "circular")

    good = tmp_path / "รายชื่อ-แก้แล้ว.csv"
    good.write_text(GOOD, encoding="utf-8")
    driver.find_element(By.NAME, "recipients").send_keys(str(good))
    driver.find_element(By.ID, "issue").click()
    wait.until(ec.presence_of_element_located((By.ID, "job")))
    if driver.find_elements(By.ID, "job-bar"):
        _shoot(driver, "circular-progress")
    wait.until(ec.presence_of_element_located((By.ID, "job-done")))
    number = driver.find_element(By.ID, "number").text
    assert "ว" in number
    assert driver.find_element(By.ID, "download-copies").get_attribute("href").endswith("/copies")
    _shoot(driver, "circular-done")

    office = Path(root) / "office.yaml"
    office.write_text(
        office.read_text(encoding="utf-8").replace("นายประเสริฐ มั่นคงดี", "นายประเสริฐ มั่นคงยิ่ง"),
        encoding="utf-8",
    )
    driver.get(f"{url}/regenerate")
    listed = wait.until(ec.presence_of_element_located((By.ID, "regenerated"))).text
    assert number in listed and "nayok" in listed
    _shoot(driver, "regenerate")
