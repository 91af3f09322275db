"""The staff web app in a real browser: Debian's chromium, headless, driven by selenium and
chromedriver, with JavaScript switched off (the pages must work without it). It signs in with
the code the console channel delivered, opens the overview, a group and a training batch,
confirms an entry with the page's button, checks the database, and saves screenshots at 360 px
and 1280 px wide into the build directory (web-screenshots/).

chromium, chromium-driver and python3-selenium come from deploy/install-deps.sh. When they are
missing this test fails: a browser test that skips itself would pass in CI without a browser."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from harness import CATAT, Catat, debian_python_or_fail, run_tests  # noqa: E402

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    debian_python_or_fail("python3-selenium")
from web_client import CODE  # noqa: E402

ADMIN, SITI = "+6281200000009", "+6281200000001"
SHOTS = os.path.join(os.path.dirname(os.path.abspath(CATAT)), "web-screenshots")
STATE = {}


def find(name, *candidates):
    for c in candidates:
        path = shutil.which(c)
        if path:
            return path
    raise AssertionError("%s is not installed: run deploy/install-deps.sh" % name)


def browser(width):
    opts = webdriver.ChromeOptions()
    opts.binary_location = find("chromium", "chromium", "chromium-browser")
    profile = tempfile.mkdtemp(prefix="catat-chromium-")
    STATE.setdefault("profiles", []).append(profile)
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile, "--window-size=%d,900" % max(width, 800)):
        opts.add_argument(arg)
    opts.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    service = Service(executable_path=find("chromedriver", "chromedriver"))
    driver = webdriver.Chrome(service=service, options=opts)
    if width < 800:  # a desktop window cannot be this narrow: a phone's screen is emulated
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": 800, "deviceScaleFactor": 1, "mobile": True})
    return driver


def setup():
    c = Catat(env={"CATAT_SERVER_REPLIES_PER_HOUR": "1000"})
    files = {
        "groups.csv": "code,name,network,district,timezone\nKPUK07,Mawar,JARPUK1,Blitar,+07:00\n",
        "members.csv": "phone,name,group,role,code\n"
                       "081200000001,Siti Aminah,KPUK07,member,A0101\n"
                       "081200000002,Ani Wulandari,KPUK07,member,A0102\n"
                       "081200000003,Rina,KPUK07,treasurer,T0001\n"
                       "081200000009,Bu Admin,,admin,X0001\n",
        "batches.csv": "batch,session,starts_at,title,material\n"
                       "GT07,1,2026-11-01T09:00:00+07:00,Mulai,Selamat datang\n",
        "participants.csv": "phone,name,batch,sex,age,district,disability\n"
                            "081200000021,Putri,GT07,P,30,Blitar,no\n",
    }
    for name, text in files.items():
        with open(os.path.join(c.dir, name), "w") as f:
            f.write(text)
        c.run("import", name[:-4], os.path.join(c.dir, name))
    c.start()
    for i, text in enumerate(("JUAL 45rb abon", "BELI 20rb gula", "TABUNG 50rb")):
        s, _ = c.console(SITI, text, "b%d" % i)
        assert s == 200
    STATE["c"] = c
    STATE["ref"] = c.sql("SELECT ref FROM entries WHERE kind = 'savings'")[0][0]
    os.makedirs(SHOTS, exist_ok=True)


def shot(driver, name):
    path = os.path.join(SHOTS, name)
    assert driver.save_screenshot(path), path
    assert os.path.getsize(path) > 1000
    print("screenshot " + path)


def wait(driver, what, predicate):
    """Until predicate(driver) holds, with a deadline: a click returns before the next page
    has loaded."""
    try:
        WebDriverWait(driver, 15).until(predicate)
    except Exception:
        raise AssertionError("timed out waiting for %s; page: %s" % (what, driver.page_source[:3000]))


def test_sign_in_browse_and_confirm():
    c = STATE["c"]
    d = browser(360)
    STATE["driver"] = d
    d.get(c.url + "/app/")
    assert d.current_url.endswith("/app/login"), d.current_url
    d.find_element(By.NAME, "phone").send_keys("081200000009")
    d.find_element(By.CSS_SELECTOR, "form button").click()
    wait(d, "the code form", lambda d: d.find_elements(By.NAME, "code"))
    text = c.sql("SELECT text FROM outbox WHERE kind = 'signin' AND phone = ?", ADMIN)[0][0]
    d.find_element(By.NAME, "code").send_keys(CODE.search(text).group(1))
    shot(d, "login-360.png")
    d.find_element(By.CSS_SELECTOR, "form button").click()
    wait(d, "the overview", lambda d: d.current_url.endswith("/app/"))
    assert "Bu Admin" in d.page_source and "KPUK07" in d.page_source
    shot(d, "overview-360.png")
    d.find_element(By.CSS_SELECTOR, "a[href='/app/groups/KPUK07']").click()
    wait(d, "the group page", lambda d: "/app/groups/KPUK07" in d.current_url)
    assert "Siti Aminah" in d.page_source and STATE["ref"] in d.page_source
    shot(d, "group-360.png")
    d.get(c.url + "/app/training/GT07")
    assert "GT07" in d.find_element(By.TAG_NAME, "h1").text
    shot(d, "training-360.png")
    d.get(c.url + "/app/groups/KPUK07")
    form = d.find_element(By.CSS_SELECTOR, "input[name='ref'][value='%s']" % STATE["ref"])
    form.find_element(By.XPATH, "..").find_element(By.TAG_NAME, "button").click()
    wait(d, "the confirmation", lambda d: d.find_elements(By.CSS_SELECTOR, "p.ok"))
    admin_id = c.sql("SELECT id FROM people WHERE phone = ?", ADMIN)[0][0]
    assert c.sql("SELECT status, confirmed_by FROM entries WHERE ref = ?", STATE["ref"]) == \
        [("confirmed", admin_id)]
    shot(d, "confirmed-360.png")


def test_wide_screen():
    c = STATE["c"]
    d = STATE["driver"]
    # the page fits the phone's width: only tables scroll, inside their own box
    assert d.execute_script("return document.documentElement.scrollWidth") <= 360
    wide = browser(1280)
    STATE["wide"] = wide
    wide.get(c.url + "/app/login")
    for k in d.get_cookies():
        wide.add_cookie({"name": k["name"], "value": k["value"], "path": k.get("path", "/")})
    d = wide
    d.get(c.url + "/app/")
    shot(d, "overview-1280.png")
    d.get(c.url + "/app/groups/KPUK07")
    shot(d, "group-1280.png")
    assert "Siti Aminah" in d.page_source


def main():
    setup()
    try:
        run_tests([test_sign_in_browse_and_confirm, test_wide_screen])
    finally:
        for name in ("driver", "wide"):
            if STATE.get(name):
                STATE[name].quit()
        for p in STATE.get("profiles", []):
            shutil.rmtree(p, ignore_errors=True)
        if STATE["c"].proc:
            STATE["c"].stop()


if __name__ == "__main__":
    main()
