// The siting page's form: starts a scenario as a background job (POST /siting/jobs), follows its
// progress (GET /siting/jobs/{id}) and opens the scenario's map when it is done.
(function () {
  "use strict";
  var form = document.getElementById("siting-form");
  if (!form) return;
  var box = document.getElementById("job"), bar = document.getElementById("job-progress"),
      status = document.getElementById("job-status"), button = form.querySelector("button[type=submit]");
  var STATES = {queued: "排队中", running: "求解中", done: "已完成", failed: "失败"};

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  function codes(text) {
    return text.split(/[\s,，、;；]+/).filter(function (c) { return c.length > 0; });
  }
  function number(name) {
    var v = form.elements[name].value;
    return v === "" ? null : Number(v);
  }
  function say(text, kind) {
    box.hidden = false;
    status.textContent = text;
    status.className = kind || "";
  }
  function detail(body) {
    if (!body || !body.detail) return "请求失败";
    if (typeof body.detail === "string") return body.detail;
    return body.detail.map(function (d) { return (d.loc || []).slice(1).join(".") + "：" + d.msg; }).join("；");
  }

  form.elements.goal.addEventListener("change", function () {
    var share = form.elements.goal.value === "share";
    form.elements.k.disabled = share;
    form.elements.target.disabled = !share;
  });

  function follow(url) {
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (job) {
      bar.max = job.total || 3;
      bar.value = job.done || 0;
      if (job.state === "done") {
        say("已完成，正在打开方案地图……", "ok");
        window.location.assign(job.links.map);
        return;
      }
      if (job.state === "failed") {
        say("失败：" + (job.error || ""), "error");
        button.disabled = false;
        return;
      }
      say(STATES[job.state] + (job.step ? "：" + (job.state === "running" ? "已完成“" + job.step + "”" : job.step) : "")
          + "（" + (job.done || 0) + "/" + (job.total || 3) + "）");
      window.setTimeout(function () { follow(url); }, 1000);
    }).catch(function () {
      say("暂时无法获取进度，稍后重试……", "error");
      window.setTimeout(function () { follow(url); }, 3000);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var share = form.elements.goal.value === "share";
    var body = {
      name: form.elements.name.value.trim(), kind: form.elements.kind.value,
      at: form.elements.at.value || null, limit_m: number("limit_m"), method: form.elements.method.value,
      time_limit_s: number("time_limit_s"), candidates: form.elements.candidates.value,
      incident_weight: number("incident_weight") || 0, worker_weight: number("worker_weight") || 0,
      force_in: codes(form.elements.force_in.value), force_out: codes(form.elements.force_out.value)
    };
    if (share) body.target_share = number("target") / 100; else body.k = number("k");
    button.disabled = true;
    say("提交中……");
    fetch("/siting/jobs", {method: "POST", credentials: "same-origin",
                           headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf()},
                           body: JSON.stringify(body)})
      .then(function (r) { return r.json().then(function (b) { return {ok: r.ok, body: b}; }); })
      .then(function (answer) {
        if (!answer.ok) {
          say("未能提交：" + detail(answer.body), "error");
          button.disabled = false;
          return;
        }
        window.wanggeSitingJob = answer.body.id;
        follow(answer.body.links.self);
      })
      .catch(function () { say("未能提交：网络错误", "error"); button.disabled = false; });
  });
}());
