"""A video of a texture sliding right at a known speed (for the flow tests)."""

import cv2

from keras_video_zoo.data.synthetic_flow import textured_image


def write_video(path, frames=6, shift=2, size=(64, 80)):
    """An XVID video of a texture moving ``shift`` px right per frame."""
    path.parent.mkdir(parents=True, exist_ok=True)
    texture = textured_image(size[0], size[1] + shift * frames, seed=1)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"XVID"), 25, (size[1], size[0]))
    for t in range(frames):
        start = shift * (frames - t)
        writer.write(cv2.cvtColor(texture[:, start : start + size[1]], cv2.COLOR_GRAY2BGR))
    writer.release()
