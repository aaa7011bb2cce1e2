/* Click anywhere → who is within reach: GET /walk/area for the clicked point, the rings drawn
 * (not catching the mouse, so the layers under them keep their hover) and their figures in a
 * panel. wanggeWalkArea(map, minutes) — minutes as "5,10,15". A switch in the panel turns it off.
 */
(function () {
  "use strict";

  // Ring colours come from the page (window.wanggePalette, web/palette.py): greys, darker nearer.
  function colour(minutes) { return window.wanggePalette.rings[String(minutes)] || "gray"; }

  function escape(text) {
    var div = document.createElement("div");
    div.textContent = String(text);
    return div.innerHTML;
  }

  window.wanggeWalkArea = function (map, minutes) {
    var rings = L.layerGroup().addTo(map);
    var panel = L.control({position: "bottomleft"});
    var box, on = true, asked = 0;
    panel.onAdd = function () {
      box = L.DomUtil.create("div", "wg-box wg-walk");
      box.innerHTML = '<label><input type="checkbox" checked> 点击地图查看步行范围</label><div class="wg-walk-out"></div>';
      L.DomEvent.disableClickPropagation(box);
      box.querySelector("input").addEventListener("change", function (e) {
        on = e.target.checked;
        if (!on) { rings.clearLayers(); box.querySelector(".wg-walk-out").innerHTML = ""; }
      });
      return box;
    };
    panel.addTo(map);
    window.wanggeWalkAreaLast = null;

    map.on("click", function (e) {
      if (!on || map.wanggeClickMode) { return; }  // a click placing, moving or removing a station
      var ask = ++asked, out = box.querySelector(".wg-walk-out");
      var url = "/walk/area?lon=" + e.latlng.lng.toFixed(7) + "&lat=" + e.latlng.lat.toFixed(7) +
        "&minutes=" + encodeURIComponent(minutes);
      out.textContent = "计算中……";
      fetch(url, {credentials: "same-origin"}).then(function (response) {
        return response.json().then(function (body) { return {ok: response.ok, body: body}; });
      }).then(function (answer) {
        if (ask !== asked) { return; }
        rings.clearLayers();
        if (!answer.ok) {
          out.textContent = answer.body.detail || "无法计算";
          return;
        }
        L.geoJSON(answer.body, {
          interactive: false,
          style: function (f) {
            return {color: colour(f.properties.minutes), weight: 2, fillColor: colour(f.properties.minutes),
                    fillOpacity: 0.18};
          }
        }).addTo(rings);
        L.circleMarker(e.latlng, {radius: 5, color: "#000", weight: 2, fillColor: "#fff", fillOpacity: 1,
                                  interactive: false}).addTo(rings);
        var rows = answer.body.features.slice().reverse().map(function (f) {
          var p = f.properties;
          return "<tr><th><i style=\"background:" + colour(p.minutes) + "\"></i>" + escape(p.minutes) + " 分钟</th><td>" +
            escape(p.residents.toLocaleString("zh-CN")) + " 人</td><td>" + escape(p.buildings.toLocaleString("zh-CN")) +
            " 栋</td></tr>";
        }).join("");
        out.innerHTML = "<table class=\"wg-walk-table\"><tr><th>步行</th><th>居民</th><th>楼栋</th></tr>" + rows +
          "</table><p class=\"wg-walk-note\">步速 " + escape(answer.body.start.speed_kmh) + " km/h，沿步行路网</p>";
        window.wanggeWalkAreaLast = answer.body;
      }).catch(function () {
        if (ask === asked) { out.textContent = "网络错误，请重试"; }
      });
    });
  };
}());
