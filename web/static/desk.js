/* The desk, the incident page and the phone page: actions posted to the JSON API with the
 * session's CSRF token; each page's part runs only when its elements are there. */
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function post(url, body, contentType) {
    var headers = {"X-CSRF-Token": csrf};
    headers["Content-Type"] = contentType || "application/json";
    return fetch(url, {method: "POST", headers: headers, credentials: "same-origin",
                       body: contentType ? body : JSON.stringify(body)})
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (!r.ok) {
            var detail = data.detail;
            if (Array.isArray(detail)) {
              detail = detail.map(function (d) { return (d.loc || []).slice(1).join(".") + "：" + d.msg; }).join("；");
            }
            throw new Error(detail || ("请求失败（" + r.status + "）"));
          }
          return data;
        });
      });
  }

  /* A datetime-local value (Beijing time) as an ISO moment with its offset. */
  function beijing(value) { return value ? value + (value.length === 16 ? ":00" : "") + "+08:00" : null; }

  /* The fields of an action form as the API's body. */
  function actionBody(form) {
    var f = new FormData(form), body = {action: f.get("action"), note: f.get("note") || ""};
    if (f.get("feedback_way")) { body.feedback_way = f.get("feedback_way"); }
    if (f.get("satisfied")) { body.satisfied = f.get("satisfied") === "true"; }
    if (f.get("deadline")) { body.deadline = beijing(f.get("deadline")); }
    return body;
  }

  function show(el, text, ok) {
    if (!el) { return; }
    el.textContent = text;
    el.className = ok ? "ok" : "error";
  }

  /* The desk: select rows, apply one action to all of them. */
  var bulk = document.getElementById("bulk-form");
  if (bulk) {
    var boxes = function () { return Array.prototype.slice.call(bulk.querySelectorAll('input[name="id"]')); };
    var count = function () {
      document.getElementById("selected").textContent = boxes().filter(function (b) { return b.checked; }).length;
    };
    document.getElementById("select-all").addEventListener("change", function (e) {
      boxes().forEach(function (b) { b.checked = e.target.checked; });
      count();
    });
    bulk.addEventListener("change", count);
    bulk.addEventListener("submit", function (e) {
      e.preventDefault();
      var ids = boxes().filter(function (b) { return b.checked; }).map(function (b) { return Number(b.value); });
      var out = document.getElementById("bulk-result");
      if (!ids.length) { show(out, "请先勾选事件", false); return; }
      var body = actionBody(bulk);
      body.ids = ids;
      post("/incidents/actions", body).then(function (res) {
        var refused = res.results.filter(function (r) { return !r.ok; });
        res.results.forEach(function (r) {
          var row = bulk.querySelector('tr[data-id="' + r.id + '"] td.status');
          if (row && r.ok) { row.textContent = r.status; }
        });
        show(out, "已执行" + res.applied + "件" + (refused.length ? "；未执行" + refused.length + "件：" +
          refused.map(function (r) { return r.id + "（" + r.error + "）"; }).join("；") : ""), !refused.length);
      }).catch(function (err) { show(out, err.message, false); });
    });
  }

  /* The incident page: each allowed action, placement, duplicates, publication, photos. */
  document.querySelectorAll("form[data-post]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var out = form.querySelector(".result"), f = new FormData(form), url = form.dataset.post, body;
      if (form.dataset.kind === "action") {
        body = actionBody(form);
      } else if (form.dataset.kind === "placement") {
        body = {grid_code: f.get("grid_code"), reason: f.get("reason")};
      } else if (form.dataset.kind === "duplicate") {
        body = {of: f.get("of") ? Number(f.get("of")) : null};
      } else if (form.dataset.kind === "publication") {
        body = {publishable: f.get("publishable") === "true"};
      }
      post(url, body).then(function () {
        show(out, "已保存", true);
        window.location.reload();
      }).catch(function (err) { show(out, err.message, false); });
    });
  });
  var photoForm = document.getElementById("photo-form");
  if (photoForm) {
    photoForm.addEventListener("submit", function (e) {
      e.preventDefault();
      var file = photoForm.querySelector('input[type="file"]').files[0], out = photoForm.querySelector(".result");
      if (!file) { show(out, "请选择照片", false); return; }
      post(photoForm.dataset.post, file, file.type || "application/octet-stream")
        .then(function () { window.location.reload(); })
        .catch(function (err) { show(out, err.message, false); });
    });
  }

  /* The phone: report from the spot (location from the phone, category, photo). */
  var report = document.getElementById("report-form");
  if (report) {
    var locate = document.getElementById("locate"), where = document.getElementById("where");
    locate.addEventListener("click", function () {
      if (!navigator.geolocation) { show(where, "本机不支持定位，请手动填写经纬度", false); return; }
      show(where, "定位中…", true);
      navigator.geolocation.getCurrentPosition(function (pos) {
        report.elements.lon.value = pos.coords.longitude.toFixed(6);
        report.elements.lat.value = pos.coords.latitude.toFixed(6);
        show(where, "已定位（精度约" + Math.round(pos.coords.accuracy) + "米）", true);
      }, function (err) { show(where, "定位失败：" + err.message + "；请手动填写经纬度", false); },
      {enableHighAccuracy: true, timeout: 15000, maximumAge: 0});
    });
    report.addEventListener("submit", function (e) {
      e.preventDefault();
      var f = new FormData(report), out = document.getElementById("report-result"), button = report.querySelector("button[type=submit]");
      var lon = parseFloat(f.get("lon")), lat = parseFloat(f.get("lat"));
      if (!isFinite(lon) || !isFinite(lat)) { show(out, "请先定位或填写经纬度", false); return; }
      var now = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 19) + "+08:00";
      // One request id per report: a retry after a lost answer returns the same incident, never a second one.
      report.dataset.rid = report.dataset.rid || report.dataset.prefix + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
      var body = {request_id: report.dataset.rid,
                  channel: "现场", category_code: f.get("category_code"), reported_at: now,
                  description: f.get("description") || "", lon: lon, lat: lat, coord_system: "WGS84"};
      var file = report.querySelector('input[type="file"]').files[0];
      button.disabled = true;
      post("/incidents", body).then(function (inc) {
        var done = function () {
          var place = inc.grid_name ? "网格 " + inc.grid_name + "（" + inc.grid_code + "）" : "未落入网格，待调度员分派";
          out.innerHTML = "";
          var link = document.createElement("a");
          link.href = "/m/incidents/" + inc.id;
          link.textContent = "已受理：事件 " + inc.id + "，" + place + (file ? "，照片已上传" : "");
          out.appendChild(link);
          out.className = "ok";
          report.reset();
          delete report.dataset.rid;
        };
        return file ? post("/incidents/" + inc.id + "/photos", file, file.type || "application/octet-stream").then(done, function (err) {
          throw new Error("事件 " + inc.id + " 已受理，但照片未上传：" + err.message + "（可在事件页补传）");
        }) : done();
      }).catch(function (err) { show(out, err.message, false); })
        .then(function () { button.disabled = false; });
    });
  }
})();
