"""Everyone's sound mixed 20 ms at a time."""

from __future__ import annotations

import av
import numpy as np

from app.egress.mixer import MAX_QUEUED, PREROLL, SAMPLE_RATE, STEP, Mixer


def frame(value: int, samples: int = STEP) -> av.AudioFrame:
    data = np.full((1, samples * 2), value, np.int16)
    audio = av.AudioFrame.from_ndarray(data, format="s16", layout="stereo")
    audio.sample_rate = SAMPLE_RATE
    return audio


def mixed(mixer: Mixer) -> np.ndarray:
    return mixer.mix(0).to_ndarray().reshape(-1)


def test_voices_are_summed_and_clipped_once_each_has_its_preroll() -> None:
    mixer = Mixer()
    mixer.add("ann", frame(1000))
    assert not mixed(mixer).any()  # less than the preroll: silence
    for _ in range(PREROLL // STEP):
        mixer.add("ann", frame(1000))
        mixer.add("bob", frame(30000))
    out = mixed(mixer)
    assert len(out) == STEP * 2
    assert (out == 31000).all()
    mixer.add("carl", frame(30000, PREROLL))
    assert (mixed(mixer) == 32767).all()  # clipped, not wrapped


def test_a_voice_far_behind_drops_its_oldest_sound_and_a_removed_one_is_silent() -> None:
    mixer = Mixer()
    for _ in range(2 * MAX_QUEUED // STEP):
        mixer.add("ann", frame(5))
    assert mixer._voices["ann"].queued <= MAX_QUEUED
    mixer.remove("ann")
    assert not mixed(mixer).any()


def test_other_formats_are_converted_to_48_khz_stereo() -> None:
    mixer = Mixer()
    mono = av.AudioFrame.from_ndarray(np.full((1, 1600), 2000, np.int16), format="s16",
                                      layout="mono")
    mono.sample_rate = 16_000
    for _ in range(10):
        mixer.add("ann", mono)
    out = mixed(mixer)
    # swresample spreads mono over both channels at -3 dB
    assert abs(int(out[len(out) // 2]) - 2000 / np.sqrt(2)) < 50
