"""The web page in a real headless browser (Chromium through WebDriver): a dropped video plays and is classified,
an example is clicked, the camera tab scores Chromium's fake camera, the stream tab a stream on the loopback.

Slow: it starts a Gradio server on loopback and a browser. CI installs Debian's chromium and
chromium-driver (.ci/run) and sets KVZ_REQUIRE_BROWSER, so there a missing browser fails the test.
"""

from __future__ import annotations

import os
import re
import shutil

import numpy as np
import pytest

from keras_video_zoo import create_model
from keras_video_zoo.data.synthetic_dataset import SOURCE_CLASSES, render_video, write_video
from keras_video_zoo.data.synthetic_real_world import moving_texture
from keras_video_zoo.data.video_writer import encode_video
from keras_video_zoo.deployment.app import build_app, classify, example_clips
from keras_video_zoo.models.pretrained import class_names
from tests.helpers.stream_server import StreamServer

pytestmark = pytest.mark.slow

MODEL = "slow_fusion_tiny.synthetic"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
WAIT_S = 120


@pytest.fixture(scope="module")
def model():
    return create_model(MODEL)


@pytest.fixture(scope="module")
def examples(model, tmp_path_factory):
    return example_clips(model, tmp_path_factory.mktemp("examples"))


@pytest.fixture(scope="module")
def server(model, examples):
    page = build_app(model, examples=examples[:3])
    page.launch(server_name="127.0.0.1", prevent_thread_lock=True, quiet=True)  # Gradio binds a free port itself
    yield page.local_url
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
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1280,1600",
        "--use-fake-device-for-media-stream",  # Chromium's own test camera: a moving pattern
        "--use-fake-ui-for-media-stream",  # and no permission prompt
        "--autoplay-policy=no-user-gesture-required",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def wait_for(browser, condition):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, WAIT_S).until(condition)


def text_of(browser, selector: str) -> str:
    from selenium.webdriver.common.by import By

    return browser.find_element(By.CSS_SELECTOR, selector).get_attribute("value")


def open_tab(browser, url: str, name: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(url)
    tab = wait_for(
        browser,
        lambda driver: next(
            (b for b in driver.find_elements(By.CSS_SELECTOR, "button[role=tab]") if b.text == name), None
        ),
    )
    tab.click()


def player_plays(browser) -> bool:
    """The page's player has loaded a frame of its video (the browser decodes it)."""
    return browser.execute_script(
        "const v = document.querySelector('#video video'); return !!v && v.readyState >= 2 && v.videoWidth > 0;"
    )


def drop(browser, url: str, path) -> None:
    from selenium.webdriver.common.by import By

    open_tab(browser, url, "Video file")
    field = wait_for(browser, lambda driver: driver.find_element(By.CSS_SELECTOR, "#video input[type=file]"))
    field.send_keys(str(path))


def classify_on_page(browser) -> tuple[list[str], str]:
    """Clicks Classify; ``(the top-5 box's lines, the segments)`` once they are shown."""
    from selenium.webdriver.common.by import By

    browser.find_element(By.ID, "classify").click()
    wait_for(browser, lambda driver: text_of(driver, "#segments textarea").strip())
    return browser.find_element(By.ID, "top").text.splitlines(), text_of(browser, "#segments textarea")


def assert_shows(shown: list[str], segments: str, expected) -> None:
    expected_top, _, expected_segments = expected
    assert segments == expected_segments
    # "top 5", the best class, then class, score, ...
    assert shown[1] == max(expected_top, key=expected_top.get)
    assert [line for line in shown[2:] if not line.endswith("%")] == list(expected_top)


def test_a_dropped_video_plays_and_shows_its_top_5_and_timeline(server, browser, model, tmp_path):
    from selenium.webdriver.common.by import By

    video = tmp_path / "pan.mp4"
    encode_video(video, np.array(moving_texture(90, 120, 40, "up")), "libx264")
    drop(browser, server, video)
    wait_for(browser, player_plays)
    assert_shows(*classify_on_page(browser), classify(model, str(video)))
    assert browser.find_element(By.CSS_SELECTOR, "#timeline img").get_attribute("src")


def test_an_avi_plays_as_a_copy_and_is_scored_from_the_file(server, browser, model, tmp_path):
    from selenium.webdriver.common.by import By

    video = tmp_path / "v_Spin_g01_c01.avi"  # UCF-101's XviD AVI, which no browser plays
    write_video(video, render_video(SOURCE_CLASSES[2], frames=30, size=(96, 128)))
    drop(browser, server, video)
    wait_for(browser, player_plays)
    assert "shown as an H.264 copy" in browser.find_element(By.ID, "note").text
    assert_shows(*classify_on_page(browser), classify(model, str(video)))


def test_a_file_that_is_not_a_video_gets_its_reason_on_the_page(server, browser, tmp_path):
    from selenium.webdriver.common.by import By

    notes = tmp_path / "notes.mp4"
    notes.write_text("not a video, just notes")
    drop(browser, server, notes)
    wait_for(browser, lambda driver: "not a video" in driver.find_element(By.ID, "note").text)
    assert classify_on_page(browser)[1] == "notes.mp4: not a video: a text file."


def test_an_example_clicked_plays_and_is_classified(server, browser, model, examples):
    from selenium.webdriver.common.by import By

    open_tab(browser, server, "Video file")
    wait_for(browser, lambda driver: driver.find_elements(By.CSS_SELECTOR, "#examples button, #examples td"))[0].click()
    wait_for(browser, player_plays)
    assert_shows(*classify_on_page(browser), classify(model, str(examples[0])))


def test_the_camera_tab_scores_the_browsers_camera_window_by_window(server, browser, model):
    from selenium.webdriver.common.by import By

    open_tab(browser, server, "Camera")
    wait_for(
        browser, lambda driver: driver.find_element(By.CSS_SELECTOR, "#camera div[title='grant webcam access'] button")
    ).click()
    wait_for(browser, lambda driver: driver.find_element(By.CSS_SELECTOR, "#camera button.capture-button")).click()
    wait_for(browser, lambda driver: int(text_of(driver, "#camera-log textarea").split()[0] or 0) >= 3)
    shown = browser.find_element(By.ID, "camera-top").text.splitlines()
    assert set(shown) & set(class_names(model))  # the live top-5 names the model's classes
    assert browser.find_elements(By.CSS_SELECTOR, "#camera-plot canvas, #camera-plot svg")


def test_the_stream_tab_scores_a_live_stream_until_it_ends(server, browser, model, tmp_path):
    from selenium.webdriver.common.by import By

    stream_file = tmp_path / "camera.ts"
    frames = 75
    encode_video(
        stream_file, np.array(moving_texture(96, 128, frames, "left")), "mpeg2video", container_format="mpegts"
    )
    with StreamServer(lambda number: stream_file.read_bytes(), seconds=frames / 25) as stream:
        open_tab(browser, server, "Stream")
        wait_for(
            browser, lambda driver: driver.find_element(By.CSS_SELECTOR, "#source textarea, #source input")
        ).send_keys(stream.url)
        browser.find_element(By.ID, "watch").click()
        wait_for(browser, lambda driver: "end of stream" in text_of(driver, "#stream-log textarea"))
    log = text_of(browser, "#stream-log textarea")
    scored, dropped = (int(found) for found in re.search(r"(\d+) windows scored, (\d+) dropped", log).groups())
    assert scored + dropped == (frames - 10) // 5 + 1  # every window of slow_fusion_tiny (10 frames, stride 5)
    assert f"{stream.url}: {frames} frames" in log
    assert set(browser.find_element(By.ID, "stream-top").text.splitlines()) & set(class_names(model))
