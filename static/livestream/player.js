// The live-stream player: polls /livestream/<code>/status until the stream is
// live, then plays its playlist through hls.js (muted, so that autoplay is
// allowed; the Unmute button turns the sound on), and goes back to waiting
// when it ends. Segment links come from the playlist and point to storage.
"use strict";

(function () {
  const stage = document.getElementById("stage");
  const video = document.getElementById("player");
  const message = document.getElementById("message");
  const badge = document.getElementById("live-badge");
  const unmute = document.getElementById("unmute");
  const pollMs = Number(stage.dataset.pollSeconds || 3) * 1000;
  const MESSAGES = {
    not_live: "The live stream has not started yet. This page starts playing by itself.",
    ended: "The live stream has ended.",
  };
  let hls = null;

  function show(state, reason) {
    stage.dataset.state = state;
    badge.hidden = state !== "live";
    message.textContent = (MESSAGES[state] || "") + (reason ? " (" + reason + ")" : "");
    if (state === "live") {
      play();
    } else {
      stop();
    }
  }

  function play() {
    if (hls !== null || video.src) {
      return;
    }
    const url = stage.dataset.playlistUrl;
    if (window.Hls && window.Hls.isSupported()) {
      // No worker: the page's policy runs scripts of this site only (a blob worker is refused).
      hls = new window.Hls({ enableWorker: false, liveDurationInfinity: true });
      hls.on(window.Hls.Events.ERROR, function (_event, data) {
        if (data.fatal) {  // the stream is gone or broken: back to asking the status
          stop();
          poll();
        }
      });
      hls.loadSource(url);
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = url;  // Safari plays HLS itself
    }
    video.play().catch(function () { /* autoplay refused: the controls stay */ });
  }

  function stop() {
    if (hls !== null) {
      hls.destroy();
      hls = null;
    }
    if (video.src) {
      video.removeAttribute("src");
      video.load();
    }
  }

  async function poll() {
    try {
      const answer = await fetch(stage.dataset.statusUrl, { cache: "no-store" });
      if (answer.ok) {
        const status = await answer.json();
        if (status.state !== stage.dataset.state || (status.state === "live" && hls === null && !video.src)) {
          show(status.state, status.reason);
        }
      }
    } catch (error) {
      // The network is down a moment: the next poll tries again.
    }
  }

  unmute.addEventListener("click", function () {
    video.muted = !video.muted;
    unmute.textContent = video.muted ? "Unmute" : "Mute";
    if (!video.muted) {
      video.play().catch(function () {});
    }
  });
  document.getElementById("fullscreen").addEventListener("click", function () {
    const target = stage;
    if (document.fullscreenElement) {
      document.exitFullscreen();
    } else if (target.requestFullscreen) {
      target.requestFullscreen().catch(function () {});
    }
  });

  show(stage.dataset.state, "");
  setInterval(poll, pollMs);
})();
