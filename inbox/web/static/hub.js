// Keyboard shortcuts for the common moves. "r" opens the composer, "/" the filters, "g i" goes to the inbox.
(function () {
  "use strict";
  var last = "";
  document.addEventListener("keydown", function (event) {
    var tag = (event.target && event.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var composer = document.querySelector("#composer textarea");
    if (event.key === "r" && composer) {
      event.preventDefault();
      composer.focus();
    } else if (event.key === "/") {
      var filter = document.querySelector(".filters select");
      if (filter) { event.preventDefault(); filter.focus(); }
    } else if (event.key === "i" && last === "g") {
      window.location.href = "/";
    }
    last = event.key;
  });
})();

// ---- Live inbox: websocket feed, presence, typing (section owned by the live inbox) ----
// The page listens on /inbox/live. Lists refresh from the server (the same query, filters and visibility as a
// reload); a conversation page appends the new messages rendered by the server; nothing customer-written is
// ever inserted as markup by this script. The connection comes back on its own, with growing pauses.
(function () {
  "use strict";
  var presenceForm = document.querySelector("form[data-presence-form]");
  if (!presenceForm || !window.WebSocket) { return; }
  var body = document.body;
  var stateLabel = document.querySelector("[data-live-state]");
  var presenceSelect = presenceForm.querySelector("select[name=presence]");
  var match = /^\/conversations\/(\d+)\/?$/.exec(window.location.pathname);
  var conversationId = match ? parseInt(match[1], 10) : null;
  var inboxTable = document.querySelector("table.conversations");
  var liveRegions = document.querySelectorAll("[data-live-region]");
  var me = null, socket = null, attempts = 0, beat = null, everConnected = false;
  var typingShown = null, typingSent = false, typingTimer = null;

  function setState(text, live) {
    if (stateLabel) { stateLabel.textContent = text; }
    body.setAttribute("data-live", live ? "on" : "off");
  }

  function send(frame) {
    if (socket && socket.readyState === 1) { socket.send(JSON.stringify(frame)); }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/inbox/live");
    socket.onmessage = function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (error) { return; }
      handle(event);
    };
    socket.onclose = function (closed) {
      clearInterval(beat);
      setState("reconnecting…", false);
      if (closed.code === 4401) {
        window.location.href = "/login?next=" + encodeURIComponent(window.location.pathname + window.location.search);
        return;
      }
      if (closed.code === 4403) { setState("live updates refused", false); return; }
      attempts += 1;
      // Growing pauses with jitter, so a restarted server is not met by every page at the same instant.
      var wait = Math.min(30000, 500 * Math.pow(2, Math.min(attempts, 6))) * (0.5 + Math.random() / 2);
      setTimeout(connect, wait);
    };
  }

  function handle(event) {
    switch (event.type) {
      case "hello":
        me = event.agent_id;
        attempts = 0;
        showPresence(event.presence);
        clearInterval(beat);
        beat = setInterval(function () { send({ type: "ping" }); }, (event.heartbeat_seconds || 20) * 1000);
        setState("live", true);
        // After a gap, whatever happened meanwhile is fetched, not lost.
        if (everConnected) { refreshLists(); refreshTimeline(); }
        everConnected = true;
        loadOffers();
        break;
      case "offer":
        refreshLists();
        if (event.agent_id === me) { loadOffers(); }
        break;
      case "presence":
        if (event.agent_id === me) { showPresence(event.presence); }
        refreshLists();
        break;
      case "message.created":
      case "conversation.assigned":
      case "conversation.status":
      case "delivery":
        refreshLists();
        if (conversationId !== null && event.conversation_id === conversationId) {
          if (event.type === "delivery" && event.message_id) { stale[event.message_id] = true; }
          if (event.visible === false) {
            var gone = liveNote();
            if (gone) { gone.textContent = "This conversation has moved out of your reach."; }
          } else {
            refreshTimeline();
          }
        }
        break;
      case "typing":
        if (conversationId !== null && event.conversation_id === conversationId && event.agent_id !== me) {
          showTyping(event.on, event.who === "agent" ? (event.name || "Another agent") : "The customer");
        }
        break;
    }
  }

  // -- presence switch in the header
  function showPresence(value) {
    if (presenceSelect && value) { presenceSelect.value = value; body.setAttribute("data-presence", value); }
  }
  var setButton = presenceForm.querySelector("button");
  if (setButton) { setButton.hidden = true; }
  presenceSelect.addEventListener("change", function () {
    var data = new FormData(presenceForm);
    fetch("/presence", { method: "POST", body: data, headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) { if (answer) { showPresence(answer.presence); } });
  });

  // -- lists (inbox, supervisor): refetched and swapped, at most one request in flight
  var listTimer = null, listBusy = false, listAgain = false;
  // Throttled, not debounced: a steady stream of events still refreshes the page, at most once a second for an
  // inbox and once every few seconds for the supervisor's heavier page.
  function refreshLists() {
    if ((!inboxTable && liveRegions.length === 0) || listTimer) { return; }
    listTimer = setTimeout(function () { listTimer = null; loadLists(); }, inboxTable ? 1000 : 4000);
  }
  function loadLists() {
    if (listBusy) { listAgain = true; return; }
    listBusy = true;
    fetch(window.location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html) { swapLists(new DOMParser().parseFromString(html, "text/html")); } })
      .finally(function () {
        listBusy = false;
        if (listAgain) { listAgain = false; loadLists(); }
      });
  }
  function swapLists(fresh) {
    if (inboxTable) {
      var known = {};
      inboxTable.querySelectorAll("tr[data-conversation]").forEach(function (row) {
        known[row.getAttribute("data-conversation")] = true;
      });
      var newBody = fresh.querySelector("table.conversations tbody");
      var oldBody = inboxTable.querySelector("tbody");
      if (newBody && oldBody) {
        newBody.querySelectorAll("tr[data-conversation]").forEach(function (row) {
          if (!known[row.getAttribute("data-conversation")]) { row.classList.add("fresh"); }
        });
        oldBody.replaceWith(document.importNode(newBody, true));
      }
      var newViews = fresh.querySelector("nav.views");
      var oldViews = document.querySelector("nav.views");
      if (newViews && oldViews) { oldViews.replaceWith(document.importNode(newViews, true)); }
    }
    liveRegions.forEach(function (region) {
      var name = region.getAttribute("data-live-region");
      var replacement = fresh.querySelector('[data-live-region="' + name + '"]');
      if (replacement) { region.replaceWith(document.importNode(replacement, true)); }
    });
    liveRegions = document.querySelectorAll("[data-live-region]");
  }

  // -- conversation page: new messages appended as the server renders them, typing shown
  var stale = {}, timelineTimer = null, timelineBusy = false, timelineAgain = false;
  function lastMessageId() {
    var last = 0;
    document.querySelectorAll("article.message[id^=message-]").forEach(function (item) {
      last = Math.max(last, parseInt(item.id.slice(8), 10) || 0);
    });
    return last;
  }
  function refreshTimeline() {
    if (conversationId === null) { return; }
    clearTimeout(timelineTimer);
    timelineTimer = setTimeout(loadTimeline, 150);
  }
  function loadTimeline() {
    if (timelineBusy) { timelineAgain = true; return; }
    timelineBusy = true;
    var refresh = Object.keys(stale).slice(0, 50);
    stale = {};
    var url = "/conversations/" + conversationId + "/timeline?after=" + lastMessageId() + "&refresh=" + refresh.join(",");
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) { if (answer) { placeMessages(answer); } })
      .finally(function () {
        timelineBusy = false;
        if (timelineAgain) { timelineAgain = false; loadTimeline(); }
      });
  }
  function placeMessages(answer) {
    // The server's own template rendered this (escaped, e-mail bodies in sandboxed frames).
    var holder = document.createElement("template");
    holder.innerHTML = answer.html;
    var anchor = document.getElementById("composer");
    holder.content.querySelectorAll("article.message").forEach(function (item) {
      var existing = document.getElementById(item.id);
      if (existing) { existing.replaceWith(item); }
      else if (anchor && anchor.parentNode) { anchor.parentNode.insertBefore(item, anchor); item.classList.add("fresh"); }
    });
    var note = liveNote();
    if (note) { note.textContent = "Now " + answer.status + " · assigned to " + (answer.assignee || "nobody"); }
  }
  function liveNote() {
    var note = document.querySelector("[data-live-note]");
    var meta = document.querySelector(".timeline .meta");
    if (!note && meta) {
      note = document.createElement("p");
      note.className = "live-note";
      note.setAttribute("data-live-note", "");
      note.setAttribute("aria-live", "polite");
      meta.after(note);
    }
    return note;
  }
  function showTyping(on, who) {
    var composer = document.getElementById("composer");
    if (!composer) { return; }
    if (!typingShown) {
      typingShown = document.createElement("p");
      typingShown.className = "typing";
      typingShown.setAttribute("aria-live", "polite");
      composer.parentNode.insertBefore(typingShown, composer);
    }
    typingShown.textContent = who + " is typing…";
    typingShown.hidden = !on;
    // A lost "stopped typing" must not leave the line up for good.
    clearTimeout(typingShown.expiry);
    if (on) { typingShown.expiry = setTimeout(function () { typingShown.hidden = true; }, 15000); }
  }
  var replyBox = document.querySelector("#composer textarea");
  if (replyBox && conversationId !== null) {
    var stopTyping = function () {
      clearTimeout(typingTimer);
      if (typingSent) { typingSent = false; send({ type: "typing", conversation_id: conversationId, on: false }); }
    };
    replyBox.addEventListener("input", function () {
      var note = document.querySelector("#composer input[name=note]");
      // Writing a private note is nobody's business on the customer's side.
      if (note && note.checked) { stopTyping(); return; }
      if (!typingSent && replyBox.value) { typingSent = true; send({ type: "typing", conversation_id: conversationId, on: true }); }
      clearTimeout(typingTimer);
      typingTimer = setTimeout(stopTyping, 4000);
    });
    replyBox.form.addEventListener("submit", stopTyping);
  }

  // -- offers: the calls and chats put to this agent, rendered by the server, counted down here
  // The offers page lists them in its body; every other page in the panel under the header.
  var offersPanel = document.querySelector("[data-offers-list]") || document.querySelector("[data-offers]");
  var offersBusy = false, offersAgain = false, countdown = null;
  function loadOffers() {
    if (!offersPanel) { return; }
    if (offersBusy) { offersAgain = true; return; }
    offersBusy = true;
    fetch("/offers", { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) { if (answer) { placeOffers(answer.html); } })
      .finally(function () {
        offersBusy = false;
        if (offersAgain) { offersAgain = false; loadOffers(); }
      });
  }
  function placeOffers(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    offersPanel.textContent = "";
    offersPanel.appendChild(holder.content);
    offersPanel.querySelectorAll("form[data-offer-answer]").forEach(function (form) {
      form.addEventListener("submit", answerOffer);
    });
    clearInterval(countdown);
    // Seconds left come from the server, so a screen whose clock is off still counts the right time.
    offersPanel.querySelectorAll("section.offer").forEach(function (card) {
      card.deadline = Date.now() + (parseInt(card.getAttribute("data-seconds-left"), 10) || 0) * 1000;
    });
    if (offersPanel.querySelector("section.offer")) { tick(); countdown = setInterval(tick, 1000); }
  }
  function tick() {
    var open = 0;
    offersPanel.querySelectorAll("section.offer").forEach(function (card) {
      var left = Math.max(0, Math.ceil((card.deadline - Date.now()) / 1000));
      var shown = card.querySelector("[data-countdown]");
      if (shown) { shown.textContent = String(left); }
      if (left > 0) { open += 1; return; }
      if (!card.classList.contains("ran-out")) {
        card.classList.add("ran-out");
        card.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
        var line = card.querySelector(".countdown");
        if (line) { line.textContent = "Time is up: it goes to a colleague."; }
        setTimeout(function () { card.remove(); }, 4000);
      }
    });
    if (open === 0) { clearInterval(countdown); }
  }
  function answerOffer(event) {
    event.preventDefault();
    var form = event.currentTarget;
    var card = form.closest("section.offer");
    var accepting = form.getAttribute("data-offer-answer") === "accept";
    card.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin", headers: { Accept: "application/json" }
    })
      .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
      .then(function (result) {
        if (result.ok && accepting && result.body.url) { window.location.href = result.body.url; return; }
        if (result.ok) { card.remove(); return; }
        var line = card.querySelector(".countdown");
        if (line) { line.textContent = result.body.detail || "The offer could not be answered."; }
        setTimeout(function () { card.remove(); loadOffers(); }, 4000);
      })
      .catch(function () { card.querySelectorAll("button").forEach(function (button) { button.disabled = false; }); });
  }

  setState("connecting…", false);
  connect();
})();
// ---- end of the live inbox section ----

// ---- Composer, customer panel and notifications (section owned by the conversation composer) ----
// Plain progressive enhancement: every form here also works without this script.
(function () {
  "use strict";

  function csrf() {
    var field = document.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }

  // -- unread notifications in the header
  var badge = document.querySelector("[data-unread-count]");
  function refreshUnread() {
    if (!badge) { return; }
    fetch("/notifications/unread", { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (!answer) { return; }
        badge.textContent = String(answer.unread);
        badge.hidden = answer.unread === 0;
      })
      .catch(function () { /* the link still works; the count waits for the next round */ });
  }
  refreshUnread();
  if (badge) { setInterval(refreshUnread, 60000); }

  // -- the composer: note or reply, channel-dependent fields, SMS segments, canned responses
  var composer = document.querySelector("form[data-composer]");
  if (composer) {
    var text = composer.querySelector("[data-composer-text]");
    var noteToggle = composer.querySelector("[data-note-toggle]");
    var picker = composer.querySelector("[data-channel-picker]");
    var counter = composer.querySelector("[data-segment-counter]");
    var submit = composer.querySelector("[data-composer-submit]");
    var basic = composer.getAttribute("data-gsm-basic") || "";
    var extension = composer.getAttribute("data-gsm-extension") || "";

    var segments = function (body) {
      // As channels/sms_segments.py counts: GSM-7 when every character is in the alphabet, else UCS-2.
      var chars = Array.from(body), gsm = true, i;
      for (i = 0; i < chars.length; i += 1) {
        if (basic.indexOf(chars[i]) < 0 && extension.indexOf(chars[i]) < 0) { gsm = false; break; }
      }
      var costs = chars.map(function (ch) {
        if (gsm) { return extension.indexOf(ch) >= 0 ? 2 : 1; }
        return ch.codePointAt(0) > 0xFFFF ? 2 : 1;
      });
      var units = costs.reduce(function (sum, cost) { return sum + cost; }, 0);
      var single = gsm ? 160 : 70, split = gsm ? 153 : 67;
      if (units <= single) {
        return { encoding: gsm ? "GSM-7" : "UCS-2", segments: body ? 1 : 0, left: single - units, characters: chars.length };
      }
      var count = 1, used = 0;
      costs.forEach(function (cost) {
        if (used + cost > split) { count += 1; used = 0; }
        used += cost;
      });
      return { encoding: gsm ? "GSM-7" : "UCS-2", segments: count, left: split - used, characters: chars.length };
    };

    var update = function () {
      var note = noteToggle && noteToggle.checked;
      var channel = picker ? picker.value : "";
      composer.classList.toggle("is-note", !!note);
      composer.querySelectorAll(".reply-only").forEach(function (part) { part.hidden = !!note; });
      composer.querySelectorAll("[data-email-only]").forEach(function (part) { part.hidden = !!note || channel !== "email"; });
      if (submit) { submit.textContent = note ? "Add note" : "Send"; }
      if (counter) {
        var show = !note && channel === "sms";
        counter.hidden = !show;
        if (show) {
          var count = segments(text.value);
          counter.textContent = count.characters + " characters · " + count.encoding + " · " + count.segments +
            (count.segments === 1 ? " segment" : " segments") + " · " + count.left + " left in this segment" +
            (count.characters > 1600 ? " · too long for one SMS (1,600 at most)" : "");
          counter.classList.toggle("over", count.characters > 1600);
        }
      }
    };
    [noteToggle, picker].forEach(function (control) { if (control) { control.addEventListener("change", update); } });
    if (text) { text.addEventListener("input", update); }
    update();

    var showProblem = function (message) {
      var box = composer.querySelector("[data-composer-problem]");
      if (!box) {
        box = document.createElement("p");
        box.className = "problem";
        box.setAttribute("role", "alert");
        box.setAttribute("data-composer-problem", "");
        composer.insertBefore(box, text);
      }
      box.textContent = message;
      box.hidden = !message;
    };

    var insertButton = composer.querySelector("[data-canned-insert]");
    var cannedPicker = composer.querySelector("[data-canned-picker]");
    if (insertButton && cannedPicker) {
      insertButton.addEventListener("click", function (event) {
        event.preventDefault();
        var url = "/conversations/" + composer.getAttribute("data-conversation") + "/canned/" + cannedPicker.value;
        fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
          .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
          .then(function (answer) {
            if (!answer.ok) {
              showProblem("The canned response cannot be used for this customer: " + (answer.body.detail || "it failed"));
              return;
            }
            showProblem("");
            var start = text.selectionStart || 0, end = text.selectionEnd || 0;
            text.value = text.value.slice(0, start) + answer.body.text + text.value.slice(end);
            text.focus();
            text.selectionStart = text.selectionEnd = start + answer.body.text.length;
            update();
          })
          .catch(function () { showProblem("The canned response could not be loaded; try again."); });
      });
    }

    // @mentions: while a note is written, "@ch" offers the colleagues whose handle or name starts that way.
    var suggestions = composer.querySelector("[data-mention-suggestions]");
    var people = Array.from(composer.querySelectorAll("[data-mention-handle]")).map(function (item) {
      return { handle: item.getAttribute("data-mention-handle"), name: item.getAttribute("data-mention-name") };
    });
    var mentionAt = function () {
      var before = text.value.slice(0, text.selectionStart || 0);
      var found = /(^|[\s(\[])@([\w.\-]*)$/.exec(before);
      return found ? { start: before.length - found[2].length, typed: found[2].toLowerCase() } : null;
    };
    var closeSuggestions = function () { if (suggestions) { suggestions.hidden = true; suggestions.textContent = ""; } };
    var choose = function (handle) {
      var at = mentionAt();
      if (!at) { return; }
      var end = text.selectionStart || 0;
      text.value = text.value.slice(0, at.start) + handle + " " + text.value.slice(end);
      text.selectionStart = text.selectionEnd = at.start + handle.length + 1;
      text.focus();
      closeSuggestions();
    };
    if (suggestions && text) {
      text.addEventListener("input", function () {
        var at = noteToggle && noteToggle.checked ? mentionAt() : null;
        if (!at) { closeSuggestions(); return; }
        var matches = people.filter(function (person) {
          return person.handle.toLowerCase().indexOf(at.typed) === 0 ||
            person.name.replace(/\s+/g, "").toLowerCase().indexOf(at.typed) === 0;
        }).slice(0, 6);
        suggestions.textContent = "";
        matches.forEach(function (person) {
          var item = document.createElement("li");
          item.setAttribute("role", "option");
          item.setAttribute("data-handle", person.handle);
          item.textContent = "@" + person.handle + " — " + person.name;
          item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(person.handle); });
          suggestions.appendChild(item);
        });
        suggestions.hidden = matches.length === 0;
      });
      text.addEventListener("keydown", function (event) {
        if (suggestions.hidden || (event.key !== "Tab" && event.key !== "Enter")) { return; }
        var first = suggestions.querySelector("li");
        if (first) { event.preventDefault(); choose(first.getAttribute("data-handle")); }
      });
      text.addEventListener("blur", function () { setTimeout(closeSuggestions, 150); });
    }

    var files = composer.querySelector("input[type=file][data-max-bytes]");
    if (files) {
      files.addEventListener("change", function () {
        var limit = parseInt(files.getAttribute("data-max-bytes"), 10);
        var big = Array.from(files.files).filter(function (file) { return file.size > limit; });
        showProblem(big.length ? big.map(function (file) { return file.name; }).join(", ") + " is too large to attach" : "");
      });
    }
  }

  // -- revealing a masked sensitive field (each reveal is audited by the server)
  document.querySelectorAll("button[data-reveal]").forEach(function (button) {
    var field = button.getAttribute("data-reveal");
    var shown = document.querySelector('[data-sensitive-value="' + field + '"]');
    if (!shown) { return; }
    var masked = shown.textContent;
    button.addEventListener("click", function () {
      if (button.getAttribute("data-revealed") === "yes") {
        shown.textContent = masked;
        button.textContent = "Reveal";
        button.removeAttribute("data-revealed");
        return;
      }
      var body = new FormData();
      body.append("csrf_token", csrf());
      body.append("field", field);
      fetch("/customers/" + button.getAttribute("data-contact") + "/reveal", {
        method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" }
      })
        .then(function (response) { return response.json().then(function (answer) { return { ok: response.ok, answer: answer }; }); })
        .then(function (result) {
          if (!result.ok) { shown.textContent = masked + " (" + (result.answer.detail || "refused") + ")"; return; }
          shown.textContent = result.answer.value === null ? "not recorded" : result.answer.value;
          button.textContent = "Hide";
          button.setAttribute("data-revealed", "yes");
        });
    });
  });
})();
// ---- end of the composer section ----
