/* saraban: a date picker for the text fields marked data-bedate (วันที่แบบ พ.ศ.).
   It writes the date as the engine reads it, "25 มีนาคม 2568" (Thai month, Buddhist-era year);
   the field stays a plain text field, typed by hand or used without JavaScript. No framework,
   no inline style or code (the pages' Content-Security-Policy allows neither). */
(function () {
  "use strict";
  var MONTHS = ["มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"];
  var ABBR = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.",
    "พ.ย.", "ธ.ค."];
  var DAYS = ["อา", "จ", "อ", "พ", "พฤ", "ศ", "ส"];
  var BE = 543;

  function arabic(text) {
    return text.replace(/[๐-๙]/g, function (c) { return String(c.charCodeAt(0) - 0x0e50); });
  }

  function ceYear(text) {
    var y = parseInt(text, 10);
    if (text.length <= 2) {  // a short BE year: the one nearest to this year
      var now = new Date().getFullYear() + BE;
      y = Math.floor(now / 100) * 100 + y;
      if (y > now + 19) { y -= 100; }
      return y - BE;
    }
    return y >= 2400 ? y - BE : y;
  }

  function month(name) {
    var plain = name.replace(/\./g, "");
    for (var i = 0; i < 12; i++) {
      if (name === MONTHS[i] || plain === ABBR[i].replace(/\./g, "") ||
          (plain.length >= 3 && MONTHS[i].indexOf(plain) === 0)) { return i; }
    }
    return -1;
  }

  /* The date a field holds (ISO, d/m/BE or Thai), or null. */
  function parse(text) {
    var t = arabic(text || "").trim().replace(/^(ลงวันที่|วันที่)\s*/, "");
    var m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
    var d = null;
    if (m) { d = [ceYear(m[1]), +m[2] - 1, +m[3]]; }
    m = m || /^(\d{1,2})[\/.\-](\d{1,2})[\/.\-](\d{2}|\d{4})$/.exec(t);
    if (m && !d) { d = [ceYear(m[3]), +m[2] - 1, +m[1]]; }
    m = m || /^(\d{1,2})\s*([^\d\s]+)\s*(?:พ\.ศ\.\s*)?(\d{2}|\d{4})$/.exec(t);
    if (m && !d) { var mo = month(m[2]); if (mo >= 0) { d = [ceYear(m[3]), mo, +m[1]]; } }
    if (!d) { return null; }
    var date = new Date(d[0], d[1], d[2]);
    return date.getMonth() === d[1] && date.getDate() === d[2] ? date : null;
  }

  function format(date) {
    return date.getDate() + " " + MONTHS[date.getMonth()] + " " + (date.getFullYear() + BE);
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function attach(input) {
    if (input.getAttribute("data-bedate-ready")) { return; }
    input.setAttribute("data-bedate-ready", "1");
    var open = el("button", "bedate-open secondary", "เลือกวันที่");
    open.type = "button";
    open.id = (input.id || input.name) + "-picker";
    open.setAttribute("aria-haspopup", "dialog");
    open.setAttribute("aria-expanded", "false");
    input.insertAdjacentElement("afterend", open);
    var pop = null;
    var shown = null;  // the first day of the month on show

    function close() {
      if (pop) { pop.remove(); pop = null; }
      open.setAttribute("aria-expanded", "false");
    }

    function pick(day) {
      input.value = format(new Date(shown.getFullYear(), shown.getMonth(), day));
      close();
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));  // htmx checks the field
    }

    function draw() {
      pop.textContent = "";
      var head = el("div", "bedate-head");
      var prev = el("button", "bedate-prev secondary", "‹");
      prev.type = "button";
      prev.setAttribute("aria-label", "เดือนก่อน");
      var next = el("button", "bedate-next secondary", "›");
      next.type = "button";
      next.setAttribute("aria-label", "เดือนถัดไป");
      var months = el("select", "bedate-month");
      months.setAttribute("aria-label", "เดือน");
      MONTHS.forEach(function (name, i) {
        var o = el("option", "", name);
        o.value = String(i);
        o.selected = i === shown.getMonth();
        months.appendChild(o);
      });
      var years = el("select", "bedate-year");
      years.setAttribute("aria-label", "ปี พ.ศ.");
      var now = new Date().getFullYear();
      var low = Math.min(now - 100, shown.getFullYear()), high = Math.max(now + 10, shown.getFullYear());
      for (var y = high; y >= low; y--) {
        var o = el("option", "", String(y + BE));
        o.value = String(y);
        o.selected = y === shown.getFullYear();
        years.appendChild(o);
      }
      function go(y, m) { shown = new Date(y, m, 1); draw(); }
      prev.addEventListener("click", function () { go(shown.getFullYear(), shown.getMonth() - 1); });
      next.addEventListener("click", function () { go(shown.getFullYear(), shown.getMonth() + 1); });
      months.addEventListener("change", function () { go(shown.getFullYear(), +months.value); });
      years.addEventListener("change", function () { go(+years.value, shown.getMonth()); });
      head.appendChild(prev); head.appendChild(months); head.appendChild(years); head.appendChild(next);
      pop.appendChild(head);

      var grid = el("table", "bedate-grid");
      var row = el("tr");
      DAYS.forEach(function (d) { row.appendChild(el("th", "", d)); });
      grid.appendChild(row);
      var current = parse(input.value), today = new Date();
      var first = shown.getDay(), count = new Date(shown.getFullYear(), shown.getMonth() + 1, 0).getDate();
      row = el("tr");
      for (var i = 0; i < first; i++) { row.appendChild(el("td")); }
      for (var day = 1; day <= count; day++) {
        var cell = el("td");
        var b = el("button", "bedate-day", String(day));
        b.type = "button";
        b.setAttribute("data-day", String(day));
        var date = new Date(shown.getFullYear(), shown.getMonth(), day);
        b.setAttribute("aria-label", format(date));
        if (current && date.getTime() === current.getTime()) { b.className += " chosen"; }
        if (date.toDateString() === today.toDateString()) { b.className += " today"; }
        b.addEventListener("click", function (e) { pick(+e.currentTarget.getAttribute("data-day")); });
        cell.appendChild(b);
        row.appendChild(cell);
        if ((first + day) % 7 === 0) { grid.appendChild(row); row = el("tr"); }
      }
      if (row.childNodes.length) { grid.appendChild(row); }
      pop.appendChild(grid);
    }

    open.addEventListener("click", function () {
      if (pop) { close(); return; }
      var d = parse(input.value) || new Date();
      shown = new Date(d.getFullYear(), d.getMonth(), 1);
      pop = el("div", "bedate-pop");
      pop.setAttribute("role", "dialog");
      pop.setAttribute("aria-label", "ปฏิทิน (ปี พ.ศ.)");
      pop.addEventListener("keydown", function (e) { if (e.key === "Escape") { close(); open.focus(); } });
      open.insertAdjacentElement("afterend", pop);
      open.setAttribute("aria-expanded", "true");
      draw();
    });
  }

  function init(root) {
    if (!root || !root.querySelectorAll) { return; }
    if (root.matches && root.matches("input[data-bedate]")) { attach(root); }
    root.querySelectorAll("input[data-bedate]").forEach(attach);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
  document.addEventListener("htmx:load", function (e) { init(e.detail && e.detail.elt); });
}());
