"""The web demo in a real headless browser (Chromium through WebDriver): upload a video, read the labels shown.

Slow: it starts a Gradio server on loopback and a browser. CI installs Debian's chromium and
chromium-driver (.ci/run) and sets KVZ_REQUIRE_BROWSER, so there a missing browser fails the test.
"""

from __future__ import annotations

import os
import shutil
import socket

import numpy as np
import pytest

from keras_video_zoo import create_model
from keras_video_zoo.data.synthetic_real_world import encode_video, moving_texture
from keras_video_zoo.deployment.app import build_app, classify

pytestmark = pytest.mark.slow

MODEL = "slow_fusion_tiny.synthetic"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def model():
    return create_model(MODEL)


@pytest.fixture(scope="module")
def server(model):
    page = build_app(model)
    port = free_port()
    page.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    page.close()


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and DRIVER):
        message = "needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"
        if os.environ.get("KVZ_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1600"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def upload_and_classify(browser, url: str, path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)
    wait = WebDriverWait(browser, 120)
    field = wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "#video input[type=file]")))
    field.send_keys(str(path))
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "video"), path.stem))  # uploaded
    browser.find_element(By.ID, "classify").click()


def segments_text(browser) -> str:
    from selenium.webdriver.common.by import By

    return browser.find_element(By.CSS_SELECTOR, "#segments textarea").get_attribute("value")


def test_a_dropped_video_shows_its_top_5_and_timeline(server, browser, model, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    video = tmp_path / "pan.mp4"
    encode_video(video, np.array(moving_texture(90, 120, 40, "up")), "libx264")
    expected_top, _, expected_segments = classify(model, str(video))
    upload_and_classify(browser, server, video)
    WebDriverWait(browser, 120).until(lambda driver: segments_text(driver).strip())
    assert segments_text(browser) == expected_segments
    shown = browser.find_element(By.ID, "top").text.splitlines()  # "top 5", the best class, then class, score ...
    best = max(expected_top, key=expected_top.get)
    assert shown[1] == best and [line for line in shown[2:] if not line.endswith("%")] == list(expected_top)
    image = browser.find_element(By.CSS_SELECTOR, "#timeline img")
    assert image.get_attribute("src")


def test_a_file_that_is_not_a_video_gets_its_reason_on_the_page(server, browser, tmp_path):
    from selenium.webdriver.support.ui import WebDriverWait

    notes = tmp_path / "notes.mp4"
    notes.write_text("not a video, just notes")
    upload_and_classify(browser, server, notes)
    WebDriverWait(browser, 120).until(lambda driver: segments_text(driver).strip())
    assert segments_text(browser) == "notes.mp4: not a video: a text file."
