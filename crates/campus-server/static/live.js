// The portal's live notification badge. With JavaScript on, a signed-in page listens to
// /api/v1/events (the session cookie signs the stream in) and counts each new notification
// into the badge beside "Notifications"; without JavaScript the badge updates on reload.
// Nothing else on any page depends on this file.
(function () {
  "use strict";
  if (!window.EventSource) return;
  var link = document.querySelector('header nav a[href="/app/notifications"]');
  if (!link) return;
  var source = new EventSource("/api/v1/events");
  source.addEventListener("notification", function () {
    var badge = document.getElementById("unread-badge");
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge";
      badge.id = "unread-badge";
      badge.appendChild(document.createTextNode("0"));
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = " unread";
      badge.appendChild(hidden);
      link.appendChild(document.createTextNode(" "));
      link.appendChild(badge);
    }
    var count = badge.firstChild;
    count.nodeValue = String((parseInt(count.nodeValue, 10) || 0) + 1);
    badge.setAttribute("data-live", "1");
  });
  // The stream ends when the session does (signed out elsewhere): stop reconnecting.
  source.addEventListener("end", function () {
    source.close();
  });
})();
