/* What-if on the map: drop proposed stations, move or remove existing ones, drag them about, and see
 * what it changes (POST /walk/whatif, nothing stored); 保存为方案 keeps it as a scenario (POST
 * /siting/scenarios/manual) and links its map. wanggeWhatIf(map, {kind, at, sites, sitesLayer}) — the
 * coverage measure of the page (kind, hour) and, on a scenario's map, its sites ([{lon, lat, kind,
 * label, rank}]: 调整建议站点 turns them into stations to drag, in place of the layer `sitesLayer`).
 * Existing stations are the page's circle markers whose feature has a `code`. A planner's request;
 * others get the server's refusal in the panel.
 */
(function () {
  "use strict";

  var KINDS = ["城市驿站", "党群服务驿站", "暖新驿站", "党群服务中心"];

  function escape(text) {
    var div = document.createElement("div");
    div.textContent = String(text);
    return div.innerHTML;
  }

  function share(value) { return value === null ? "—" : (100 * value).toFixed(1) + "%"; }

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  window.wanggeWhatIf = function (map, options) {
    var proposed = [], moved = {}, removed = {}, dimmed = [], area = L.layerGroup().addTo(map), box, asked = 0;
    var panel = L.control({position: "bottomleft"});
    panel.onAdd = function () {
      box = L.DomUtil.create("div", "wg-box wg-whatif");
      box.innerHTML = "<b>方案推演</b><div>" +
        "<select class=\"wg-whatif-kind\">" + KINDS.map(function (k) {
          return "<option>" + escape(k) + "</option>"; }).join("") + "</select> " +
        "<button type=\"button\" class=\"wg-whatif-drop\">放置新站</button></div><div>" +
        "<button type=\"button\" class=\"wg-whatif-move\">移动驿站</button> " +
        "<button type=\"button\" class=\"wg-whatif-remove\">撤除驿站</button> " +
        "<button type=\"button\" class=\"wg-whatif-clear\">清除</button>" +
        (options.sites && options.sites.length ? " <button type=\"button\" class=\"wg-whatif-sites\">调整建议站点</button>" : "") +
        "</div><div class=\"wg-whatif-out\">点按钮，再点地图或驿站；新站和移动的驿站可拖动。</div>" +
        "<div><input class=\"wg-whatif-name\" maxlength=\"100\" placeholder=\"方案名称\" size=\"14\"> " +
        "<button type=\"button\" class=\"wg-whatif-save\">保存为方案</button></div><div class=\"wg-whatif-saved\"></div>";
      L.DomEvent.disableClickPropagation(box);
      ["drop", "move", "remove"].forEach(function (mode) {
        box.querySelector(".wg-whatif-" + mode).addEventListener("click", function () {
          map.wanggeClickMode = mode;
          map.getContainer().style.cursor = "crosshair";
        });
      });
      box.querySelector(".wg-whatif-save").addEventListener("click", save);
      var sitesButton = box.querySelector(".wg-whatif-sites");
      if (sitesButton) {
        sitesButton.addEventListener("click", function () { sitesButton.disabled = true; adoptSites(); });
      }
      box.querySelector(".wg-whatif-clear").addEventListener("click", function () {
        proposed.forEach(function (m) { m.remove(); });
        Object.keys(moved).forEach(function (code) { moved[code].remove(); });
        dimmed.forEach(function (l) { l.setStyle({opacity: 1, fillOpacity: 0.95}); });
        proposed = []; moved = {}; removed = {}; dimmed = [];
        area.clearLayers();
        box.querySelector(".wg-whatif-out").textContent = "已清除。";
      });
      return box;
    };
    panel.addTo(map);
    window.wanggeWhatIfLast = null;

    function show(body) {
      var streets = body.by_street.filter(function (r) { return r.covered_after !== r.covered_before; }).slice(0, 5);
      var rows = streets.map(function (r) {
        return "<tr><th>" + escape(r.name) + "</th><td>" + share(r.share_before) + " → " + share(r.share_after) + "</td></tr>";
      }).join("");
      box.querySelector(".wg-whatif-out").innerHTML =
        "<table class=\"wg-whatif-table\"><tr><th>覆盖率</th><td class=\"wg-whatif-share\">" + share(body.before.share) +
        " → " + share(body.after.share) + "</td></tr><tr><th>新增覆盖居民</th><td class=\"wg-whatif-gained\">" +
        escape(body.newly_covered.toLocaleString("zh-CN")) + "</td></tr><tr><th>失去覆盖居民</th><td>" +
        escape(body.newly_lost.toLocaleString("zh-CN")) + "</td></tr>" + rows + "</table>";
      area.clearLayers();
      L.geoJSON(body.newly_covered_area, {interactive: false,
        style: {color: window.wanggePalette.proposedEdge, weight: 1.5, fillColor: window.wanggePalette.proposed,
                fillOpacity: 0.45}}).addTo(area);
    }

    function changed() {
      return proposed.length || Object.keys(moved).length || Object.keys(removed).length;
    }

    function request() {
      return {kind: options.kind, at: options.at, add: proposed.map(function (m) {
        var p = m.getLatLng();
        return {lon: +p.lng.toFixed(7), lat: +p.lat.toFixed(7), kind: m.wanggeKind};
      }), move: Object.keys(moved).map(function (code) {
        var p = moved[code].getLatLng();
        return {code: code, lon: +p.lng.toFixed(7), lat: +p.lat.toFixed(7)};
      }), remove: Object.keys(removed)};
    }

    function post(url, body) {
      return fetch(url, {method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf()}, body: JSON.stringify(body)})
        .then(function (r) { return r.json().then(function (b) { return {ok: r.ok, body: b}; }); });
    }

    function refusal(body) {
      var detail = body && body.detail;
      if (typeof detail === "string") { return detail; }
      return Array.isArray(detail) ? detail.map(function (d) { return (d.loc || []).slice(1).join(".") + "：" + d.msg; })
        .join("；") : "请求无效";
    }

    function save() {
      var said = box.querySelector(".wg-whatif-saved"), name = box.querySelector(".wg-whatif-name").value.trim();
      if (!changed()) { said.textContent = "没有改动，无需保存。"; return; }
      if (!name) { said.textContent = "请填写方案名称。"; return; }
      var body = request();
      body.name = name;
      said.textContent = "保存中……";
      post("/siting/scenarios/manual", body).then(function (answer) {
        if (!answer.ok) { said.textContent = "未能保存：" + refusal(answer.body); return; }
        window.wanggeWhatIfSaved = answer.body;
        said.innerHTML = "已保存为<a href=\"" + escape(answer.body.links.map) + "\">方案" + escape(answer.body.id) + "</a>";
      }).catch(function () { said.textContent = "网络错误，请重试"; });
    }

    // A scenario's sites become proposed stations to drag (the static layer of them is taken off the map).
    function adoptSites() {
      window.wanggeLayerControl._layers.forEach(function (entry) {
        if (entry.name === options.sitesLayer) { map.removeLayer(entry.layer); }
      });
      options.sites.forEach(function (site) {
        var marker = L.marker([site.lat, site.lon], {draggable: true, title: site.label + "（可拖动）",
          icon: L.divIcon({className: "", html: "<div class=\"wg-site\">" + escape(site.rank) + "</div>",
                           iconSize: [22, 22], iconAnchor: [11, 11]})}).addTo(map);
        marker.wanggeKind = site.kind;
        marker.bindTooltip(site.label + "（可拖动）");
        marker.on("dragend", run);
        proposed.push(marker);
      });
      run();
    }

    function run() {
      var ask = ++asked, out = box.querySelector(".wg-whatif-out");
      if (!changed()) {
        area.clearLayers(); out.textContent = "没有改动。"; return;
      }
      out.textContent = "计算中……";
      var body = request();
      post("/walk/whatif", body)
        .then(function (answer) {
          if (ask !== asked) { return; }
          if (!answer.ok) {
            out.textContent = refusal(answer.body);
            return;
          }
          show(answer.body);
          window.wanggeWhatIfLast = {request: body, answer: answer.body};
        })
        .catch(function () { if (ask === asked) { out.textContent = "网络错误，请重试"; } });
    }

    function done() {
      map.getContainer().style.cursor = "";
      // Reset after every click handler ran, so the walking rings skip this click whatever their order.
      setTimeout(function () { map.wanggeClickMode = null; }, 0);
    }

    function onStation(e) {
      var mode = map.wanggeClickMode, station = e.target, code = station.feature.properties.code;
      if ((mode !== "move" && mode !== "remove") || moved[code] || removed[code]) { return; }
      setTimeout(function () { map.closePopup(); }, 0);
      station.setStyle({opacity: 0.3, fillOpacity: 0.15});
      dimmed.push(station);
      if (mode === "remove") {
        removed[code] = true;
      } else {
        var marker = L.marker(station.getLatLng(), {draggable: true, title: "移动：" + station.feature.properties.name})
          .addTo(map);
        marker.bindTooltip("移动：" + station.feature.properties.name);
        marker.on("dragend", run);
        moved[code] = marker;
      }
      done();
      run();
    }

    map.whenReady(function () {
      map.eachLayer(function (layer) {
        if (layer instanceof L.CircleMarker && layer.feature && layer.feature.properties &&
            layer.feature.properties.code) {
          layer.on("click", onStation);
        }
      });
    });

    map.on("click", function (e) {
      if (map.wanggeClickMode === "move" || map.wanggeClickMode === "remove") {
        // Not on a station: the mode stays for the next click.
        return;
      }
      if (map.wanggeClickMode !== "drop") { return; }
      var kind = box.querySelector(".wg-whatif-kind").value;
      var marker = L.marker(e.latlng, {draggable: true, title: "新站（" + kind + "），可拖动"}).addTo(map);
      marker.wanggeKind = kind;
      marker.bindTooltip("新站：" + kind);
      marker.on("dragend", run);
      marker.on("contextmenu", function () {
        marker.remove();
        proposed = proposed.filter(function (m) { return m !== marker; });
        run();
      });
      proposed.push(marker);
      done();
      run();
    });
  };
}());
