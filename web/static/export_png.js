/* 导出PNG: the map as it is on screen, laid out as printed (title, date, legend, scale bar, north arrow,
 * source; no controls: body.wg-exporting, web/map_print.py), saved as a PNG of the window's size.
 *
 * The map is composed on one canvas in the order of Leaflet's panes: its canvases (the base map's
 * vector tiles, canvas layers) drawn as they are, its SVG layers serialised and drawn, its marker
 * images drawn; the few HTML pieces (icons with text, the panels, legend, scale bar, north arrow)
 * are drawn by html-to-image (vendored, loaded on the first click), one small box at a time.
 * The last image is kept as window.wanggeLastPng (a blob: URL) for tests.
 */
(function () {
  "use strict";

  var MAX_HTML_ICONS = 400;  // icons with HTML inside (cluster bubbles, numbered sites) drawn one by one
  var BOXES = ".wg-box, .wg-north, .wg-legend, .leaflet-control-scale, .leaflet-control-attribution";

  function load(src, done) {
    if (window.htmlToImage) { done(); return; }
    var script = document.createElement("script");
    script.src = src;
    script.onload = function () { done(); };
    script.onerror = function () { done(new Error("无法加载导出组件")); };
    document.head.appendChild(script);
  }

  function stamp() {
    var d = new Date(), pad = function (n) { return String(n).padStart(2, "0"); };
    return d.getFullYear() + pad(d.getMonth() + 1) + pad(d.getDate()) + "-" + pad(d.getHours()) + pad(d.getMinutes());
  }

  function shown(el) {
    var r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.right < 0 || r.bottom < 0 ||
        r.left > window.innerWidth || r.top > window.innerHeight) return false;
    for (var e = el; e && e !== document.body; e = e.parentElement) {
      var s = window.getComputedStyle(e);
      if (s.display === "none" || s.visibility === "hidden" || Number(s.opacity) === 0) return false;
    }
    return true;
  }

  function opacity(el) {
    var alpha = 1;
    for (var e = el; e && e !== document.body; e = e.parentElement) alpha *= Number(window.getComputedStyle(e).opacity);
    return alpha;
  }

  function image(src) {
    return new Promise(function (resolve, reject) {
      var img = new Image();
      img.onload = function () { resolve(img); };
      img.onerror = function () { reject(new Error("无法绘制图层")); };
      img.src = src;
    });
  }

  // The map's drawables (canvases, top-level SVGs, marker images and HTML icons) in painting order.
  function layers(map) {
    var panes = Array.prototype.slice.call(map.querySelectorAll(".leaflet-pane"));
    var z = function (el) {
      var pane = el.closest(".leaflet-pane");
      return pane ? (Number(window.getComputedStyle(pane).zIndex) || 0) : 0;
    };
    var found = Array.prototype.slice.call(map.querySelectorAll(
      ".leaflet-pane canvas, .leaflet-pane svg, .leaflet-pane img, .leaflet-pane .leaflet-marker-icon"))
      .filter(function (el) { return !(el.tagName.toLowerCase() === "svg" && el.parentElement.closest("svg")); })
      .filter(function (el) { return !(el.tagName === "IMG" && el.closest(".leaflet-marker-icon:not(img)")); })
      .filter(shown);
    var order = new Map(found.map(function (el, i) { return [el, i]; }));
    return panes.length ? found.sort(function (a, b) { return (z(a) - z(b)) || (order.get(a) - order.get(b)); }) : found;
  }

  function drawLayer(ctx, el, htmlIcons) {
    var r = el.getBoundingClientRect();
    ctx.globalAlpha = opacity(el);
    var tag = el.tagName.toLowerCase();
    if (tag === "canvas") {
      if (el.width && el.height) ctx.drawImage(el, r.left, r.top, r.width, r.height);
      return Promise.resolve();
    }
    if (tag === "img") {
      if (el.complete && el.naturalWidth) ctx.drawImage(el, r.left, r.top, r.width, r.height);
      return Promise.resolve();
    }
    if (tag === "svg") {
      var text = new XMLSerializer().serializeToString(el);
      return image("data:image/svg+xml;charset=utf-8," + encodeURIComponent(text)).then(function (img) {
        ctx.globalAlpha = opacity(el);
        ctx.drawImage(img, r.left, r.top, r.width, r.height);
      });
    }
    if (htmlIcons.count++ >= MAX_HTML_ICONS) return Promise.resolve();
    return drawHtml(ctx, el);
  }

  function drawHtml(ctx, el) {
    var r = el.getBoundingClientRect();
    // The clone is laid out in an image of the box's size: where the box sits on screen is the caller's business.
    var placed = {position: "static", left: "auto", top: "auto", right: "auto", bottom: "auto", margin: "0",
                  transform: "none"};
    return window.htmlToImage.toCanvas(el, {pixelRatio: 1, width: Math.ceil(r.width), height: Math.ceil(r.height),
                                            style: placed})
      .then(function (canvas) {
        ctx.globalAlpha = 1;
        if (canvas.width && canvas.height) ctx.drawImage(canvas, r.left, r.top, r.width, r.height);
      });
  }

  function compose() {
    var map = document.querySelector(".folium-map") || document.querySelector(".leaflet-container");
    var out = document.createElement("canvas");
    out.width = window.innerWidth;
    out.height = window.innerHeight;
    var ctx = out.getContext("2d");
    ctx.fillStyle = window.getComputedStyle(map).backgroundColor || "white";
    ctx.fillRect(0, 0, out.width, out.height);
    var htmlIcons = {count: 0};
    var chain = Promise.resolve();
    layers(map).forEach(function (el) { chain = chain.then(function () { return drawLayer(ctx, el, htmlIcons); }); });
    Array.prototype.slice.call(document.querySelectorAll(BOXES)).filter(shown)
      .filter(function (el) { return !el.parentElement.closest(BOXES); })
      .forEach(function (el) { chain = chain.then(function () { return drawHtml(ctx, el); }); });
    return chain.then(function () {
      return new Promise(function (resolve) { out.toBlob(function (blob) { resolve(URL.createObjectURL(blob)); }, "image/png"); });
    });
  }

  function exportPng(button) {
    button.disabled = true;
    load(button.dataset.lib, function (error) {
      if (error) { window.alert("导出PNG失败：" + error.message); button.disabled = false; return; }
      document.body.classList.add("wg-exporting");
      compose()
        .then(function (url) {
          if (window.wanggeLastPng) URL.revokeObjectURL(window.wanggeLastPng);
          window.wanggeLastPng = url;
          var link = document.createElement("a");
          link.href = url;
          link.download = (document.title || "地图") + "-" + stamp() + ".png";
          document.body.appendChild(link);
          link.click();
          link.remove();
        })
        .catch(function (err) { window.alert("导出PNG失败：" + (err && err.message ? err.message : err)); })
        .then(function () { document.body.classList.remove("wg-exporting"); button.disabled = false; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".wg-png").forEach(function (button) {
      button.addEventListener("click", function () { exportPng(button); });
    });
  });
}());
