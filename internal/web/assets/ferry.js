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
    var done = function () { b.textContent = "Copied"; setTimeout(function () { b.textContent = b.dataset.label || "Copy"; }, 2000); };
    b.dataset.label = b.dataset.label || b.textContent;
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy"); done();
    }
  });

  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f.dataset.confirm && !window.confirm(f.dataset.confirm)) e.preventDefault();
  });

  var form = $("#upload");
  if (!form) return;
  var input = $("#file-input"), drop = $("#drop"), cancel = $("#cancel"), send = $("#send");
  var picked = [], running = [];
  input.required = false;

  function choose(list) {
    picked = Array.prototype.slice.call(list);
    $(".drop p").innerHTML = "";
    var s = document.createElement("strong");
    s.textContent = picked.length + (picked.length === 1 ? " file" : " files") + " chosen";
    $(".drop p").append(s, " (" + human(picked.reduce(function (a, f) { return a + f.size; }, 0)) + ")");
  }
  input.addEventListener("change", function () { choose(input.files); });
  ["dragenter", "dragover"].forEach(function (t) {
    drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) { if (e.dataTransfer.files.length) choose(e.dataTransfer.files); });

  cancel.addEventListener("click", function () {
    running.forEach(function (x) { x.abort(); });
  });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!picked.length) { input.click(); return; }
    var q = new URLSearchParams();
    ["expires_in", "max_downloads"].forEach(function (k) { var v = form.elements[k].value; if (v) q.set(k, v); });
    if (form.elements.notify.checked) q.set("notify", "true");
    var password = form.elements.password.value;
    var bars = $("#bars"), total = $("#total-bar"), totalText = $("#total-text");
    bars.textContent = "";
    $("#progress").hidden = false;
    cancel.hidden = false; send.disabled = true;
    var sizes = picked.map(function (f) { return f.size; });
    var all = sizes.reduce(function (a, b) { return a + b; }, 0) || 1;
    var sent = picked.map(function () { return 0; });
    var start = Date.now(), left = picked.length;
    running = picked.map(function (f, i) {
      var li = document.createElement("li");
      li.innerHTML = '<div class="top-line"><span class="nm"></span><span class="st muted"></span></div><progress max="100" value="0"></progress>';
      $(".nm", li).textContent = f.name;
      var bar = $("progress", li), st = $(".st", li);
      bar.setAttribute("aria-label", "Upload of " + f.name);
      bars.append(li);
      var x = new XMLHttpRequest();
      x.open("PUT", "/api/v1/files/" + encodeURIComponent(f.name) + (q.toString() ? "?" + q : ""));
      if (password) x.setRequestHeader("Ferry-Share-Password", password);
      x.upload.addEventListener("progress", function (ev) {
        if (!ev.lengthComputable) return;
        sent[i] = ev.loaded;
        bar.value = Math.floor(ev.loaded / ev.total * 100);
        var done = sent.reduce(function (a, b) { return a + b; }, 0);
        var rate = done / Math.max((Date.now() - start) / 1000, 0.001);
        total.value = Math.floor(done / all * 100);
        totalText.textContent = human(done) + " of " + human(all) + " · " + human(rate) + "/s · " + secs((all - done) / rate);
      });
      x.addEventListener("loadend", function () {
        if (x.status === 201) {
          bar.value = 100; sent[i] = sizes[i];
          st.textContent = "Done"; st.className = "st done";
        } else {
          var msg = x.status === 0 ? "Cancelled" : "Failed";
          try { msg = JSON.parse(x.responseText).error.message; } catch (_) { /* keep */ }
          st.textContent = msg; st.className = "st err";
        }
        if (--left === 0) finish();
      });
      x.send(f);
      return x;
    });
    function finish() {
      var ok = sent.reduce(function (a, b) { return a + b; }, 0);
      total.value = Math.floor(ok / all * 100);
      totalText.textContent = "Finished: " + human(ok) + " sent";
      cancel.hidden = true; send.disabled = false; running = [];
      fetch("/files", { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("file-list");
        if (fresh) $("#file-list").replaceWith(fresh);
      });
    }
  });
})();
