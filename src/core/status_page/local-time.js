// vigil status page: shows its times in the visitor's time zone. Optional: without it (or with
// JavaScript off) every time reads in UTC, as the server wrote it. No inline code: the page's
// CSP allows scripts from its own origin only.
(function () {
  var fmt;
  try {
    fmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
  } catch (e) {
    return;
  }
  var times = document.querySelectorAll('time[datetime]');
  for (var i = 0; i < times.length; i++) {
    var t = times[i];
    var d = new Date(t.getAttribute('datetime'));
    if (isNaN(d.getTime())) continue;
    t.title = t.textContent;
    t.textContent = fmt.format(d);
  }
  var zones = document.querySelectorAll('.tz');
  for (var j = 0; j < zones.length; j++) zones[j].textContent = 'times in your time zone';
})();
