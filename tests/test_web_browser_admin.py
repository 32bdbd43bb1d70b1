"""The BE date picker and the admin pages in a real browser (the fixtures of
tests/test_web_browser.py: ``saraban serve`` as a process, Debian's headless chromium).

An admin opens the appoint-admin form, picks a date with the picker (Thai months, BE years):
the field holds "15 มีนาคม 2567" and the server's check at the field accepts it; a date that
does not exist, typed by hand, is refused at the field. With ``SARABAN_WEB_SCREENSHOTS=docs``
the picker and the admin pages are saved as docs/web-*.png (docs/web.md).
"""

from __future__ import annotations

from tests.test_web import PASSWORDS
from tests.test_web_browser import _shoot, browser, server  # noqa: F401 - the fixtures


def test_an_admin_picks_a_be_date_and_opens_the_admin_pages(server, browser) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    url, _root = server
    driver = browser
    wait = WebDriverWait(driver, 60)
    driver.get(f"{url}/signin")
    driver.find_element(By.ID, "name").send_keys("admin")
    driver.find_element(By.ID, "password").send_keys(PASSWORDS["admin"])
    driver.find_element(By.ID, "signin").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "สวัสดี admin"))

    driver.get(f"{url}/new/appoint-admin")
    field = driver.find_element(By.ID, "f-date")
    assert field.get_attribute("type") == "text"  # typed by hand, or without JavaScript
    driver.find_element(By.ID, "f-date-picker").click()
    pop = wait.until(ec.visibility_of_element_located((By.CLASS_NAME, "bedate-pop")))
    years = Select(pop.find_element(By.CLASS_NAME, "bedate-year"))
    assert "2568" in [o.text for o in years.options]  # BE years
    years.select_by_visible_text("2567")
    pop = driver.find_element(By.CLASS_NAME, "bedate-pop")
    months = Select(pop.find_element(By.CLASS_NAME, "bedate-month"))
    assert [o.text for o in months.options][:3] == ["มกราคม", "กุมภาพันธ์", "มีนาคม"]
    months.select_by_visible_text("มีนาคม")
    _shoot(driver, "date-picker")
    old = driver.find_element(By.ID, "f-date")
    driver.find_element(By.CSS_SELECTOR, ".bedate-pop button[data-day='15']").click()
    assert not driver.find_elements(By.CLASS_NAME, "bedate-pop")
    # the change goes to the server's check at the field: htmx swaps the checked field in
    wait.until(ec.staleness_of(old))
    field = wait.until(ec.visibility_of_element_located((By.ID, "f-date")))
    assert field.get_attribute("value") == "15 มีนาคม 2567"
    assert not driver.find_elements(By.ID, "error-date")
    assert driver.find_element(By.ID, "f-date-picker").is_displayed()  # the picker again

    field.send_keys(Keys.CONTROL, "a")  # typed over (clear() would fire a change of its own)
    field.send_keys("30 กุมภาพันธ์ 2568")
    driver.find_element(By.NAME, "company_id").click()  # leave the field
    error = wait.until(ec.visibility_of_element_located((By.ID, "error-date")))
    assert "30 กุมภาพันธ์ 2568" in error.text

    for page, name in (("/admin/office", "admin-office"), ("/admin/signers", "admin-signers"),
                       ("/admin/users", "admin-users"), ("/register/start", "admin-start")):  # fmt: skip
        driver.get(f"{url}{page}")
        assert driver.find_element(By.CSS_SELECTOR, "nav.tabs a.here").get_attribute("href") == (
            f"{url}{page}"
        )
        _shoot(driver, name)
