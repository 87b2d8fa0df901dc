// Ferry's own script: uploads with progress, copy buttons, confirmations.
// Everything it adds is optional; the pages work without it.
"use strict";
(function () {
  function $(sel, root) { return (root || document).querySelector(sel); }
  function human(n) {
    var u = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(1) : n) + " " + u[i];
  }
  function secs(s) {
    if (!isFinite(s)) return "";
    s = Math.round(s);
    return s < 60 ? s + " s left" : Math.floor(s / 60) + " min " + (s % 60) + " s left";
  }

  document.addEventListener("click", function (e) {
    var b = e.target.closest("button.copy");
    if (!b) return;
    var field = document.getElementById(b.dataset.copy);
    var done = function () {
      b.textContent = "Copied";
      setTimeout(function () { b.textContent = b.dataset.label || "Copy"; }, 2000);
    };
    b.dataset.label = b.dataset.label || b.textContent;
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        document.execCommand("copy"); done();
      });
    } else {
      document.execCommand("copy"); done();
    }
  });

  // The QR code of a new link: both upload scripts put the link in
  // #share-link and then show #done, so its showing is the cue.
  var done = $("#done"), qr = $("#share-qr");
  if (done && qr) {
    new MutationObserver(function () {
      var m = !done.hidden && /\/s\/[^/?#]+$/.exec($("#share-link").value);
      if (m) qr.src = m[0] + "/qr.svg";
    }).observe(done, { attributes: true, attributeFilter: ["hidden"] });
  }

  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f.dataset.confirm && !window.confirm(f.dataset.confirm)) e.preventDefault();
  });

  var form = $("#upload");
  if (!form) return;
  var input = $("#file-input"), drop = $("#drop"), cancel = $("#cancel"), send = $("#send");
  var picked = [], running = null;
  // A file request's page (data-request) sends to the request: its form's
  // action, with the uploader's name and note, and no link options.
  var toRequest = !!form.dataset.request;
  input.required = false;

  // pathOf is the name a file is sent under: its path in a dropped or
  // picked folder ("album/2024/a.jpg"), else its name. The server cleans it.
  function pathOf(f) { return f.ferryPath || f.webkitRelativePath || f.name; }

  function choose(list) {
    picked = Array.prototype.slice.call(list);
    $(".drop p").innerHTML = "";
    var s = document.createElement("strong");
    s.textContent = picked.length + (picked.length === 1 ? " file" : " files") + " chosen";
    var bytes = picked.reduce(function (a, f) { return a + f.size; }, 0);
    $(".drop p").append(s, " (" + human(bytes) + ")");
  }
  input.addEventListener("change", function () { choose(input.files); });
  var folderInput = $("#folder-input");
  if (folderInput) folderInput.addEventListener("change", function () { choose(folderInput.files); });
  // tus.js (loaded when the server takes tus uploads) sends the files
  // itself: it marks the form and reads what was picked from here.
  form.ferry = { picked: function () { return picked; }, pathOf: pathOf, human: human, secs: secs, refreshList: refreshList };
  ["dragenter", "dragover"].forEach(function (t) {
    drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) {
    var items = Array.prototype.slice.call(e.dataTransfer.items || []);
    var entries = items.map(function (it) { return it.webkitGetAsEntry && it.webkitGetAsEntry(); });
    if (entries.some(function (en) { return en && en.isDirectory; })) {
      // A dropped folder: walk it, so every file keeps its path.
      Promise.all(entries.filter(Boolean).map(walk)).then(function (lists) {
        choose([].concat.apply([], lists));
      });
      return;
    }
    if (e.dataTransfer.files.length) choose(e.dataTransfer.files);
  });

  // walk resolves to the files under a dropped entry, each with its path
  // (the entry's fullPath without the leading "/") as ferryPath.
  function walk(entry) {
    if (entry.isFile) {
      return new Promise(function (ok, fail) {
        entry.file(function (f) { f.ferryPath = entry.fullPath.replace(/^\/+/, ""); ok([f]); }, fail);
      });
    }
    var reader = entry.createReader(), all = [];
    // readEntries gives a folder's entries a batch at a time, until none.
    return new Promise(function (ok, fail) {
      (function more() {
        reader.readEntries(function (batch) {
          if (!batch.length) {
            Promise.all(all.map(walk)).then(function (lists) { ok([].concat.apply([], lists)); }, fail);
            return;
          }
          all = all.concat(Array.prototype.slice.call(batch));
          more();
        }, fail);
      })();
    });
  }

  cancel.addEventListener("click", function () {
    if (!running) return;
    running.cancelled = true;
    running.abort();
  });

  // addBar lists one file with its own progress bar.
  function addBar(f) {
    var li = document.createElement("li");
    li.innerHTML = '<div class="top-line"><span class="nm"></span><span class="st muted"></span></div>' +
      '<progress max="100" value="0"></progress>';
    $(".nm", li).textContent = pathOf(f);
    var bar = $("progress", li);
    bar.setAttribute("aria-label", "Upload of " + pathOf(f));
    $("#bars").append(li);
    return { bar: bar, st: $(".st", li), size: f.size };
  }

  // All picked files go in one multipart request, so they get one share
  // and one link. The browser streams each File part from disk.
  function body() {
    var fd = new FormData();
    var fields = toRequest ? ["from", "note"] : ["expires_in", "max_downloads"];
    fields.forEach(function (k) {
      var v = form.elements[k].value;
      if (v) fd.append(k, v);
    });
    if (!toRequest && form.elements.notify.checked) fd.append("notify", "true");
    // Each size field tells the server the next file's length, so it can
    // stream the file to storage in one request rather than in parts.
    picked.forEach(function (f) {
      fd.append("size", String(f.size));
      fd.append("file", f, pathOf(f));
    });
    return fd;
  }

  // tracker returns show(sent), which moves every bar to sent bytes of the
  // files. Parts go in order, so the bytes sent fall across the files in
  // turn.
  function tracker(rows, all) {
    var start = Date.now(), total = $("#total-bar"), text = $("#total-text");
    return function (sent) {
      var before = 0;
      rows.forEach(function (r) {
        var mine = Math.min(Math.max(sent - before, 0), r.size);
        r.bar.value = r.size ? Math.floor(mine / r.size * 100) : (sent >= before ? 100 : 0);
        before += r.size;
      });
      var rate = sent / Math.max((Date.now() - start) / 1000, 0.001);
      total.value = all ? Math.floor(sent / all * 100) : 100;
      text.textContent = human(sent) + " of " + human(all) + " · " + human(rate) + "/s · " +
        (sent < all ? secs((all - sent) / rate) : "saving…");
    };
  }

  function busy(on) {
    cancel.hidden = !on; send.disabled = on;
    if (on) {
      $("#bars").textContent = "";
      $("#total-text").className = "muted small";
      $("#done").hidden = true;
      $("#progress").hidden = false;
    }
  }

  form.addEventListener("submit", function (e) {
    if (form.dataset.engine === "tus") return; // tus.js has it
    e.preventDefault();
    if (!picked.length) { input.click(); return; }
    busy(true);
    var rows = picked.map(addBar);
    var all = rows.reduce(function (a, r) { return a + r.size; }, 0);
    var show = tracker(rows, all);
    var x = new XMLHttpRequest();
    x.open("POST", toRequest ? form.action : "/api/v1/files");
    x.setRequestHeader("Accept", "application/json");
    var password = form.elements.password ? form.elements.password.value : "";
    if (password) x.setRequestHeader("Ferry-Share-Password", password);
    // The body is the files plus a little multipart framing: scale what
    // it has sent to the files alone, so the last byte is 100%.
    x.upload.addEventListener("progress", function (ev) {
      if (ev.lengthComputable && ev.total) show(ev.loaded / ev.total * all);
    });
    x.addEventListener("loadend", function () {
      busy(false); running = null;
      if (x.status !== 201) { failed(x); return; }
      show(all);
      succeeded(rows, all, JSON.parse(x.responseText));
    });
    x.send(body());
    running = x;
  });

  function succeeded(rows, all, res) {
    rows.forEach(function (r) { r.st.textContent = "Done"; r.st.className = "st done"; });
    $("#total-text").textContent = "Finished: " + human(all) + " sent";
    $("#done").hidden = false;
    if (toRequest) return; // the files are the request owner's: no link, no list
    $("#share-link").value = res.share.url;
    refreshList();
  }

  // failed says why nothing was kept: one request, so no file was.
  function failed(x) {
    var msg = x.cancelled ? "Cancelled"
      : x.status ? "Failed (HTTP " + x.status + ")"
      : "The connection was lost";
    try { msg = JSON.parse(x.responseText).error.message; } catch (_) { /* keep */ }
    document.querySelectorAll("#bars .st").forEach(function (st) {
      st.textContent = x.cancelled ? "Cancelled" : "Not sent";
      st.className = "st err";
    });
    // The bytes may all have gone out, but none were kept: empty the bars.
    document.querySelectorAll("#progress progress").forEach(function (p) { p.value = 0; });
    var t = $("#total-text");
    t.textContent = msg.charAt(0).toUpperCase() + msg.slice(1);
    t.className = "small err";
  }

  function refreshList() {
    fetch("/files", { credentials: "same-origin" }).then(function (r) {
      return r.text();
    }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("file-list");
      if (fresh) $("#file-list").replaceWith(fresh);
    });
  }
})();
