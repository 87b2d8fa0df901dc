// Ferry's upload page over tus: the files picked in the upload form go to
// /api/v1/uploads in chunks (data-chunk-size, UPLOAD_CHUNK_SIZE), retried
// with backoff when the network drops, resumable after a reload when the
// same file is picked again, and all under one link (one batch id in
// every upload's metadata). Built into internal/web/assets/tus.js by
// `make assets`; ferry.js keeps the multipart form for everything else.
import { Upload, isSupported } from "tus-js-client";

(function () {
  var form = document.getElementById("upload");
  if (!form || !form.dataset.tus || !form.ferry || !isSupported) return;
  form.dataset.engine = "tus";

  var $ = function (sel, root) { return (root || document).querySelector(sel); };
  var f = form.ferry, human = f.human, secs = f.secs;
  var input = $("#file-input"), send = $("#send"), pause = $("#pause"), cancel = $("#cancel");
  var status = $("#upload-status"), total = $("#total-bar"), text = $("#total-text");
  var endpoint = form.dataset.tus, chunkSize = Number(form.dataset.chunkSize) || 50 * 1024 * 1024;
  var run = null; // the upload in progress: {items, paused, ended}
  // On a file request's page (data-request) the files go to the request,
  // with the uploader's name and note: no account, no link options, and
  // no link at the end (the files are the request owner's).
  var request = form.dataset.request || "";

  function say(msg) { status.textContent = msg; }

  // newBatch is the id that puts this set of files under one link.
  function newBatch() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }

  function options() {
    var m = {};
    if (request) {
      m.request = request;
      ["from", "note"].forEach(function (k) { if (form.elements[k].value) m[k] = form.elements[k].value; });
      return m;
    }
    ["expires_in", "max_downloads"].forEach(function (k) {
      var v = form.elements[k].value;
      if (v) m[k] = v;
    });
    if (form.elements.notify.checked) m.notify = "true";
    return m;
  }

  function row(file) {
    var li = document.createElement("li");
    li.innerHTML = '<div class="top-line"><span class="nm"></span><span class="st muted"></span></div>' +
      '<progress max="100" value="0"></progress>';
    $(".nm", li).textContent = f.pathOf(file);
    var bar = $("progress", li);
    bar.setAttribute("aria-label", "Upload of " + f.pathOf(file));
    $("#bars").append(li);
    return { file: file, bar: bar, st: $(".st", li), sent: 0, done: false, fileID: "", upload: null, resumedAt: -1 };
  }

  function mark(it, msg, cls) { it.st.textContent = msg; it.st.className = "st " + (cls || "muted"); }

  // message is the server's own words for a refused upload, else ours.
  function message(err) {
    var res = err && err.originalResponse;
    if (res) {
      try { return JSON.parse(res.getBody()).error.message; } catch (_) { /* not Ferry's JSON */ }
      if (res.getStatus()) return "Failed (HTTP " + res.getStatus() + ")";
    }
    return "The connection was lost";
  }

  // A rate over the last few seconds, so a pause or a resumed offset does
  // not skew it.
  function meter() {
    var samples = [];
    return {
      reset: function () { samples = []; },
      rate: function (sent) {
        var now = Date.now();
        samples.push([now, sent]);
        while (samples.length > 2 && now - samples[0][0] > 5000) samples.shift();
        var dt = (now - samples[0][0]) / 1000;
        return dt > 0.2 ? (sent - samples[0][1]) / dt : 0;
      },
    };
  }

  function show() {
    var all = 0, sent = 0;
    run.items.forEach(function (it) {
      all += it.file.size; sent += it.sent;
      it.bar.value = it.file.size ? Math.floor(it.sent / it.file.size * 100) : (it.done ? 100 : 0);
    });
    total.value = all ? Math.floor(sent / all * 100) : 100;
    if (run.paused) { text.textContent = human(sent) + " of " + human(all) + " · paused"; return; }
    var rate = run.meter.rate(sent);
    var active = run.items.filter(function (it) { return it.upload && !it.done; }).length;
    run.items.forEach(function (it) { if (!it.upload && !it.done && !run.ended) mark(it, "Waiting"); });
    if (!active && sent < all) { text.textContent = human(sent) + " of " + human(all); return; }
    text.textContent = human(sent) + " of " + human(all) + (rate ? " · " + human(rate) + "/s · " +
      (sent < all ? secs((all - sent) / rate) : "saving…") : "");
  }

  function busy(on) {
    cancel.hidden = pause.hidden = !on; send.disabled = on;
    pause.textContent = "Pause";
    if (on) {
      $("#bars").textContent = "";
      text.className = "muted small";
      $("#done").hidden = true;
      $("#progress").hidden = false;
    }
  }

  function start(it, batch, password) {
    var up = new Upload(it.file, {
      endpoint: endpoint,
      chunkSize: chunkSize,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
      fingerprint: fingerprint,
      metadata: Object.assign({ filename: f.pathOf(it.file), filetype: it.file.type || "application/octet-stream" }, request ? {} : { batch: batch }, options()),
      headers: password ? { "Ferry-Share-Password": password } : {},
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onProgress: function (sent) {
        it.sent = sent;
        if (!it.done) mark(it, it.resumedAt > 0 ? "Resumed at " + human(it.resumedAt) : "Sending");
        show();
      },
      onAfterResponse: function (req, res) {
        var id = res.getHeader("Ferry-File-Id");
        if (id) it.fileID = id;
        // A HEAD is a resumption: its offset is where this file goes on.
        if (req.getMethod() === "HEAD" && it.resumedAt < 0) it.resumedAt = Number(res.getHeader("Upload-Offset")) || 0;
        if (req.getMethod() === "POST") it.resumedAt = 0;
        it.bar.dataset.resumedAt = String(it.resumedAt);
      },
      onSuccess: function () {
        it.done = true; it.sent = it.file.size;
        mark(it, "Done", "done");
        show();
        if (run.items.every(function (x) { return x.done; })) finish(it);
        else next(run);
      },
      onError: function (err) { fail(message(err)); },
    });
    it.upload = up;
    return up;
  }

  // fingerprint names a file's upload in localStorage, to resume it. Two
  // files of a folder may share a name, size and date: it holds the path.
  function fingerprint(file, o) {
    return Promise.resolve(["ferry", f.pathOf(file), file.type, file.size, file.lastModified, o.endpoint].join("-"));
  }

  // resumeOrStart continues the upload this browser began of the same
  // file, if the server still has it (tus-js-client's fingerprint in
  // localStorage), else starts one.
  function resumeOrStart(it, prev) {
    if (prev) it.upload.resumeFromPreviousUpload(prev);
    it.upload.start();
  }

  // previous finds, for each item, the newest unfinished upload this
  // browser made of the same file. A resumed upload keeps its batch, so
  // the files picked with it join its link.
  function previous(items) {
    var probe = items.map(function (it) { return new Upload(it.file, { endpoint: endpoint, fingerprint: fingerprint }); });
    return Promise.all(probe.map(function (u) {
      return u.findPreviousUploads().then(function (list) {
        list.sort(function (a, b) { return Date.parse(b.creationTime) - Date.parse(a.creationTime); });
        return list[0] || null;
      }, function () { return null; });
    }));
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var picked = f.picked();
    if (!picked.length) { input.click(); return; }
    busy(true);
    var password = form.elements.password ? form.elements.password.value : "";
    run = { items: picked.map(row), paused: false, ended: false, meter: meter() };
    var mine = run;
    say("Uploading " + picked.length + (picked.length === 1 ? " file" : " files") + "…");
    previous(run.items).then(function (prev) {
      if (mine.ended) return;
      mine.prev = prev;
      mine.password = password;
      mine.batch = prev.reduce(function (b, p) { return b || (p && p.metadata && p.metadata.batch) || ""; }, "") || newBatch();
      next(mine);
    });
  });

  // next starts the first file of the run not yet started. The files go
  // one after another: when the server refuses one (over the quota), no
  // other is half sent, and the ones before it are whole files that end()
  // can delete, so a refused set keeps nothing.
  function next(r) {
    for (var i = 0; i < r.items.length; i++) {
      var it = r.items[i];
      if (it.upload) continue;
      start(it, r.batch, r.password);
      resumeOrStart(it, r.prev[i]);
      return;
    }
  }

  pause.addEventListener("click", function () {
    if (!run || run.ended) return;
    run.paused = !run.paused;
    pause.textContent = run.paused ? "Resume" : "Pause";
    run.items.forEach(function (it) {
      if (it.done || !it.upload) return;
      if (run.paused) { it.upload.abort(); mark(it, "Paused"); } else { it.upload.start(); mark(it, "Sending"); }
    });
    run.meter.reset();
    say(run.paused ? "Paused. Resume goes on from where each file stopped." : "Resumed.");
    show();
  });

  cancel.addEventListener("click", function () {
    if (run && !run.ended) end("Cancelled", "Cancelled");
  });

  // fail ends the whole upload with the server's reason: nothing is kept,
  // as for a refused multipart upload.
  function fail(msg) {
    if (!run || run.ended) return;
    end(msg.charAt(0).toUpperCase() + msg.slice(1), "Not sent");
  }

  // end stops every upload of the run and keeps nothing of it: an upload
  // not finished is ended on the server (tus termination), and the file
  // an upload became, even one whose last chunk was in flight, is deleted.
  function end(msg, label) {
    var items = run.items;
    run.ended = true;
    busy(false);
    items.forEach(function (it) {
      var up = it.upload;
      var stopped = up && !it.done ? up.abort() : Promise.resolve();
      stopped.then(function () { if (up && up.url) discard(up.url, it.fileID, 6); });
      it.sent = 0; it.bar.value = 0;
      mark(it, label, "err");
    });
    total.value = 0;
    text.textContent = msg;
    text.className = "small err";
    say(msg);
  }

  // discard deletes what an upload left: its file, or else the upload
  // itself; a request still finishing on the server (locked: 423) is
  // waited for and tried again.
  function discard(url, fileID, tries) {
    var opts = { credentials: "same-origin" };
    var again = function () { if (tries > 1) setTimeout(function () { discard(url, "", tries - 1); }, 500); };
    if (fileID) { fetch("/api/v1/files/" + fileID, Object.assign({ method: "DELETE" }, opts)); return; }
    fetch(url, Object.assign({ headers: { Accept: "application/json" } }, opts)).then(function (r) {
      if (r.status === 404 || r.status === 410) return null;
      return r.json().then(function (st) {
        if (st.file) return discard(url, st.file.id, 1);
        return fetch(url, Object.assign({ method: "DELETE", headers: { "Tus-Resumable": "1.0.0" } }, opts)).then(function (d) {
          if (d.status !== 204) again();
        });
      });
    }).catch(again);
  }

  // finish shows the one link of the set, read from the last upload's
  // status (every upload of the batch has the same share).
  function finish(last) {
    run.ended = true;
    busy(false);
    var all = run.items.reduce(function (a, it) { return a + it.file.size; }, 0);
    total.value = 100;
    if (request) {
      text.textContent = "Finished: " + human(all) + " sent";
      $("#done").hidden = false;
      say("All files are uploaded.");
      return;
    }
    fetch(last.upload.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (st) {
        text.textContent = "Finished: " + human(all) + " sent";
        $("#share-link").value = st.file.share.url;
        $("#done").hidden = false;
        say("All files are uploaded. Your link is ready.");
        f.refreshList();
      }, function () { say("Uploaded, but the link could not be read; it is in My files."); f.refreshList(); });
  }
})();
