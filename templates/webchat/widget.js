/* Contact hub chat widget. One tag on any page:
   <script src="https://HUB/widget.js" data-inbox="KEY" async></script>
   Optional: data-lang="zh-CN", data-user-id + data-user-hash (HMAC of the id, signed by the site's server),
   data-user-name. Plain JavaScript in a shadow root, so the host page's styles neither leak in nor out. */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-inbox]");
  if (!script || window.__hubChatLoaded) return;
  window.__hubChatLoaded = true;
  var hub = new URL(script.src, location.href).origin;
  var inbox = script.getAttribute("data-inbox") || "";
  var TEXTS = {
    en: {
      open: "Open chat", close: "Close chat", title: "Chat with us", send: "Send", attach: "Attach an image or PDF",
      input: "Type your message", online: "We usually answer within minutes", connecting: "Connecting…",
      reconnecting: "Connection lost, reconnecting…", you: "You", agent: "Agent", sending: "Sending",
      sent: "Sent", delivered: "Delivered", queued: "Sent", failed: "Not sent — tap to retry",
      typing: "Agent is typing…", messages: "Messages", offlineNoAgent:
        "No one is available right now. Leave your email and message and we will answer you by email.",
      offlineClosed: "We are closed now. Leave your email and message and we will answer you by email.",
      opensAt: "We open again at {t}.", email: "Email", name: "Name", message: "Message",
      leave: "Send", saved: "Thank you! We will answer at {e}. You can continue there.",
      prechat: "Before we start, tell us who you are (optional).", start: "Start chat", skip: "Skip",
      transcript: "Email me a transcript", transcriptSend: "Send transcript",
      transcriptDone: "The transcript is on its way to {e}.", transcriptEmpty: "There is nothing to send yet.",
      tooLarge: "This file is too large (limit {n} MB).", badType: "Only images and PDF files can be sent.",
      rate_limited: "You are sending messages too quickly. Please wait a few seconds.",
      bad_email: "Please enter a valid email address.", too_long: "This message is too long.",
      failedGeneric: "Something went wrong. Please try again.", unavailable: "Chat is not available on this page.",
      file: "File", cancel: "Cancel", survey: "How did we do? 1 = very unhappy, 5 = very happy",
      surveyThanks: "Thank you for your rating!", surveyComment: "Add a comment"
    },
    "zh-CN": {
      open: "打开聊天", close: "关闭聊天", title: "在线咨询", send: "发送", attach: "附加图片或 PDF",
      input: "请输入消息", online: "我们通常几分钟内回复", connecting: "正在连接…",
      reconnecting: "连接已断开，正在重新连接…", you: "您", agent: "客服", sending: "发送中",
      sent: "已发送", delivered: "已送达", queued: "已发送", failed: "发送失败，点击重试",
      typing: "客服正在输入…", messages: "消息", offlineNoAgent:
        "目前没有客服在线。请留下您的邮箱和留言，我们会通过邮件回复您。",
      offlineClosed: "现在是非工作时间。请留下您的邮箱和留言，我们会通过邮件回复您。",
      opensAt: "我们将于 {t} 恢复服务。", email: "邮箱", name: "姓名", message: "留言",
      leave: "提交", saved: "谢谢！我们会回复到 {e}，您也可以在邮件中继续沟通。",
      prechat: "开始之前，请告诉我们您的称呼（可选）。", start: "开始聊天", skip: "跳过",
      transcript: "将聊天记录发到我的邮箱", transcriptSend: "发送聊天记录",
      transcriptDone: "聊天记录已发往 {e}。", transcriptEmpty: "目前还没有可发送的内容。",
      tooLarge: "文件太大（上限 {n} MB）。", badType: "只能发送图片和 PDF 文件。",
      rate_limited: "您发送得太快了，请稍等几秒。", bad_email: "请输入有效的邮箱地址。",
      too_long: "消息太长了。", failedGeneric: "出了点问题，请重试。", unavailable: "此页面无法使用在线咨询。",
      file: "文件", cancel: "取消", survey: "您对这次服务满意吗？1 = 非常不满意，5 = 非常满意",
      surveyThanks: "感谢您的评价！", surveyComment: "留言"
    }
  };
  function pickLanguage() {
    var wanted = [script.getAttribute("data-lang"), document.documentElement.lang]
      .concat(navigator.languages || [navigator.language]);
    for (var i = 0; i < wanted.length; i++) {
      var tag = (wanted[i] || "").toLowerCase();
      if (!tag) continue;
      return tag.indexOf("zh") === 0 ? "zh-CN" : "en";
    }
    return "en";
  }
  var lang = pickLanguage();
  var T = TEXTS[lang];
  function t(key, values) {
    var s = T[key] || TEXTS.en[key] || key;
    for (var k in values || {}) s = s.replace("{" + k + "}", values[k]);
    return s;
  }

  var storeKey = "hubchat:" + inbox;
  function loadState() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "{}") || {}; } catch (e) { return {}; }
  }
  var state = loadState();
  function saveState() {
    try { localStorage.setItem(storeKey, JSON.stringify(state)); } catch (e) { /* private mode: session only */ }
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var name in attrs || {}) {
      if (name === "text") node.textContent = attrs[name];
      else if (name.indexOf("on") === 0) node.addEventListener(name.slice(2), attrs[name]);
      else node.setAttribute(name, attrs[name]);
    }
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  var host = el("div", { id: "hub-webchat" });
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  root.appendChild(el("link", { rel: "stylesheet", href: hub + "/channels/webchat/widget.css" }));
  var launcher = el("button", { "class": "launcher", type: "button", "aria-label": t("open"),
    "aria-expanded": "false", "aria-controls": "hubchat-panel" });
  // Icons are drawn, not typed: emoji fonts are missing on many systems.
  var ICONS = {
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
    clip: "M16.5 6.5l-7.8 7.8a2 2 0 0 0 2.8 2.8l7.8-7.8a4 4 0 0 0-5.7-5.7L5.8 11.4a6 6 0 0 0 8.5 8.5l6.4-6.4",
    mail: "M3 5h18v14H3z M3 6l9 7 9-7"
  };
  function icon(name) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24"); svg.setAttribute("aria-hidden", "true"); svg.setAttribute("class", "svg");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    svg.appendChild(path);
    return svg;
  }
  launcher.appendChild(icon("chat"));
  var statusLine = el("p", { "class": "status", role: "status", text: t("connecting") });
  var closeButton = el("button", { "class": "icon", type: "button", "aria-label": t("close"), text: "×" });
  var transcriptButton = el("button", { "class": "icon", type: "button", "aria-label": t("transcript"),
    title: t("transcript") }, [icon("mail")]);
  var list = el("ol", { "class": "messages", role: "log", "aria-live": "polite", "aria-label": t("messages") });
  var typingLine = el("p", { "class": "typing", "aria-live": "polite", hidden: "" });
  var alertLine = el("p", { "class": "alert", role: "alert", hidden: "" });
  var input = el("textarea", { rows: "1", "aria-label": t("input"), placeholder: t("input"), maxlength: "4000" });
  var fileInput = el("input", { type: "file", accept: "image/png,image/jpeg,image/gif,image/webp,application/pdf",
    "class": "file", tabindex: "-1", "aria-hidden": "true" });
  var attachButton = el("button", { "class": "icon", type: "button", "aria-label": t("attach"),
    title: t("attach") }, [icon("clip")]);
  var sendButton = el("button", { "class": "send", type: "submit", text: t("send") });
  var composer = el("form", { "class": "composer" }, [attachButton, fileInput, input, sendButton]);
  var formArea = el("div", { "class": "forms" });
  var panel = el("section", { id: "hubchat-panel", "class": "panel", role: "dialog", "aria-modal": "false",
    "aria-label": t("title"), hidden: "" }, [
    el("header", {}, [
      el("div", {}, [el("h2", { text: t("title") }), statusLine]), transcriptButton, closeButton]),
    list, typingLine, alertLine, formArea, composer
  ]);
  root.appendChild(launcher);
  root.appendChild(panel);
  (document.body || document.documentElement).appendChild(host);

  var shown = {};       // message key -> list item: what makes history, live events and retries never double
  var pending = {};     // client id -> { item, frame } until the hub confirms it stored the message
  var maxSeq = 0;
  var ws = null, attempts = 0, retryTimer = null, fatal = false, welcome = null, typingTimer = null;
  var typingSent = false, unseen = [];

  function setOpen(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    state.open = open; saveState();
    if (open) {
      var field = formArea.querySelector("input,textarea");
      (composer.hidden && field ? field : input).focus();
      reportSeen();
    } else { launcher.focus(); }
  }
  launcher.addEventListener("click", function () { setOpen(panel.hidden); });
  closeButton.addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") setOpen(false); });

  function showAlert(text) {
    alertLine.textContent = text; alertLine.hidden = !text;
    if (text) setTimeout(function () { if (alertLine.textContent === text) showAlert(""); }, 6000);
  }
  function formatTime(iso) {
    var d = iso ? new Date(iso) : new Date();
    if (isNaN(d.getTime())) d = new Date();
    return d.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
  }
  function stateWords(s) { return t(s) === s ? "" : t(s); }

  function render(m, item) {
    item = item || el("li", {});
    item.className = "msg " + (m.dir === "out" ? "agent" : "visitor") + (m.state === "failed" ? " failed" : "");
    item.textContent = "";
    var who = el("span", { "class": "who", text: m.dir === "out" ? t("agent") : t("you") });
    // Everything a person typed is shown as text, never parsed as markup.
    var body = el("p", { "class": "text", text: m.text || "" });
    item.appendChild(who); item.appendChild(body);
    (m.files || []).forEach(function (name) { item.appendChild(el("p", { "class": "file" }, [icon("clip"), document.createTextNode(name)])); });
    var meta = el("p", { "class": "meta" }, [el("time", { datetime: m.at || "", text: formatTime(m.at) })]);
    if (m.dir !== "out" || m.state === "failed") {
      meta.appendChild(el("span", { "class": "state", "data-state": m.state || "", text: stateWords(m.state) }));
    }
    item.appendChild(meta);
    item.setAttribute("data-key", m.key || "");
    return item;
  }
  function clientIdOf(key) {
    var prefix = (state.visitor || "") + ":";
    return key && key.indexOf(prefix) === 0 ? key.slice(prefix.length) : null;
  }
  function place(m) {
    if (m.seq && m.seq > maxSeq) maxSeq = m.seq;
    var cid = m.cid || clientIdOf(m.key);
    if (cid && pending[cid]) {
      var waiting = pending[cid]; delete pending[cid];
      shown[m.key] = render(m, waiting.item);
      return;
    }
    if (shown[m.key]) {
      if (m.state && m.dir !== "out") render(m, shown[m.key]);
      return;
    }
    var item = render(m);
    shown[m.key] = item;
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
    if (m.dir === "out") {
      typingLine.hidden = true;
      if (m.state !== "delivered") { unseen.push(m.key); reportSeen(); }
    }
  }
  var seenTimer = null;
  function reportSeen() {
    // Batched a moment later: fewer frames, and the hub has recorded the answer as sent by then. An answer
    // whose report is lost is reported again when the history reloads.
    if (seenTimer || !unseen.length) return;
    seenTimer = setTimeout(function () {
      seenTimer = null;
      if (!unseen.length || panel.hidden || !ws || ws.readyState !== 1) return;
      ws.send(JSON.stringify({ type: "delivered", keys: unseen.splice(0, 100) }));
      if (unseen.length) reportSeen();
    }, 800);
  }

  function newClientId() {
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  }
  function submit(frame, preview) {
    frame.cid = frame.cid || newClientId();
    var item = render({ key: "pending:" + frame.cid, dir: "in", text: preview.text, files: preview.files,
      state: "sending" });
    item.addEventListener("click", function () {
      if (item.classList.contains("failed")) { render({ dir: "in", text: preview.text, files: preview.files,
        state: "sending", key: item.getAttribute("data-key") }, item); pending[frame.cid] = { item: item, frame: frame };
        transmit(frame); }
    });
    pending[frame.cid] = { item: item, frame: frame };
    list.appendChild(item); list.scrollTop = list.scrollHeight;
    transmit(frame);
  }
  function transmit(frame) {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame));
    // Otherwise it goes when the socket is back: every pending message is sent again after the hello.
  }

  composer.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    stopTyping();
    submit({ type: "message", text: text }, { text: text });
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); composer.requestSubmit(); }
  });
  input.addEventListener("input", function () {
    if (!typingSent && input.value) { typingSent = true; send({ type: "typing", on: true }); }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, 3000);
  });
  function stopTyping() {
    clearTimeout(typingTimer);
    if (typingSent) { typingSent = false; send({ type: "typing", on: false }); }
  }
  function send(frame) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame)); }

  attachButton.addEventListener("click", function () { fileInput.click(); });
  fileInput.addEventListener("change", function () {
    var file = fileInput.files && fileInput.files[0];
    fileInput.value = "";
    if (!file) return;
    var limit = (welcome && welcome.max_upload_bytes) || 5242880;
    if (file.size > limit) { showAlert(t("tooLarge", { n: Math.round(limit / 1048576) })); return; }
    if (!/^(image\/(png|jpeg|gif|webp)|application\/pdf)$/.test(file.type)) { showAlert(t("badType")); return; }
    var reader = new FileReader();
    reader.onload = function () {
      var data = String(reader.result).split(",")[1] || "";
      submit({ type: "message", text: "", file: { name: file.name, data: data } }, { text: "", files: [file.name] });
    };
    reader.readAsDataURL(file);
  });

  function field(label, type, name, required) {
    var id = "hubchat-" + name + "-" + Math.random().toString(36).slice(2, 7);
    var control = type === "textarea" ? el("textarea", { id: id, name: name, rows: "3" })
      : el("input", { id: id, name: name, type: type, autocomplete: name === "email" ? "email" : "name" });
    if (required) control.required = true;
    return el("p", { "class": "field" }, [el("label", { "for": id, text: label }), control]);
  }
  function showForm(kind, intro, fields, submitText, onSubmit, cancelText) {
    formArea.textContent = "";
    var form = el("form", { "class": "card", "data-kind": kind, "aria-label": intro },
      [el("p", { text: intro })].concat(fields));
    var buttons = el("p", { "class": "buttons" }, [el("button", { type: "submit", "class": "send", text: submitText })]);
    if (cancelText) {
      buttons.appendChild(el("button", { type: "button", "class": "plain", text: cancelText,
        onclick: function () { formArea.textContent = ""; input.focus(); } }));
    }
    form.appendChild(buttons);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var values = {};
      Array.prototype.forEach.call(form.elements, function (c) { if (c.name) values[c.name] = c.value.trim(); });
      onSubmit(values);
    });
    formArea.appendChild(form);
    var first = form.querySelector("input,textarea");
    if (first && !panel.hidden) first.focus();
  }
  function offlineForm(w) {
    var intro = w.reason === "closed" ? t("offlineClosed") : t("offlineNoAgent");
    if (w.opens_at) intro += " " + t("opensAt", { t: new Date(w.opens_at).toLocaleString(lang) });
    if (state.offlineEmail) {
      // The address is already known: say where answers go, and let the visitor keep writing.
      composer.hidden = false;
      formArea.textContent = "";
      formArea.appendChild(el("p", { "class": "card", text: intro + " " + t("saved", { e: state.offlineEmail }) }));
      return;
    }
    composer.hidden = true;
    showForm("offline", intro, [field(t("email"), "email", "email", true), field(t("name"), "text", "name", false),
      field(t("message"), "textarea", "text", true)], t("leave"), function (v) {
      var cid = newClientId();
      send({ type: "offline", email: v.email, name: v.name, text: v.text, cid: cid });
      place({ key: state.visitor + ":" + cid, dir: "in", text: v.text, state: "sent" });
    });
  }
  function prechatForm() {
    showForm("prechat", t("prechat"), [field(t("name"), "text", "name", false), field(t("email"), "email", "email", false)],
      t("start"), function (v) {
        state.prechatDone = true; state.name = v.name || state.name; saveState();
        if (v.email) send({ type: "prechat", email: v.email, name: v.name });
        formArea.textContent = ""; input.focus();
      }, t("skip"));
  }
  transcriptButton.addEventListener("click", function () {
    showForm("transcript", t("transcript"), [field(t("email"), "email", "email", true)], t("transcriptSend"), function (v) {
      send({ type: "transcript", email: v.email });
    }, t("cancel"));
  });

  // The survey card: a tapped score goes out as the visitor's message, which the hub takes as the answer.
  function surveyCard(event) {
    formArea.textContent = "";
    var scores = el("p", { "class": "buttons scores", role: "group", "aria-label": t("survey") });
    var card = el("div", { "class": "card survey", "data-survey": String(event.survey) }, [el("p", { text: t("survey") }), scores]);
    [1, 2, 3, 4, 5].forEach(function (n) {
      scores.appendChild(el("button", { type: "button", "class": "plain", text: String(n), onclick: function () {
        submit({ type: "message", text: String(n) }, { text: String(n) });
        card.textContent = "";
        card.appendChild(el("p", { text: t("surveyThanks") }));
        if (/^https?:\/\//.test(event.url || "")) {
          card.appendChild(el("a", { href: event.url, target: "_blank", rel: "noopener noreferrer", text: t("surveyComment") }));
        }
      } }));
    });
    formArea.appendChild(card);
  }

  function onEvent(event) {
    switch (event.type) {
      case "welcome":
        welcome = event; attempts = 0;
        state.token = event.token; state.visitor = event.visitor;
        if (event.online) delete state.offlineEmail;
        saveState();
        statusLine.textContent = event.online ? t("online") : (event.reason === "closed" ? t("offlineClosed")
          : t("offlineNoAgent"));
        composer.hidden = !event.online;
        if (!event.online) offlineForm(event);
        else if (event.prechat && !state.prechatDone) prechatForm();
        else if (formArea.querySelector("form[data-kind=offline]")) formArea.textContent = "";
        break;
      case "history":
        (event.messages || []).forEach(place);
        // Messages typed while the connection was down, or never confirmed, go out again with their ids:
        // the hub stores each client id once, however often it arrives.
        Object.keys(pending).forEach(function (cid) { transmit(pending[cid].frame); });
        reportSeen();
        break;
      case "ack":
      case "message.created":
        place(event);
        break;
      case "survey.requested":
        surveyCard(event);
        break;
      case "typing":
        if (event.who === "agent") { typingLine.textContent = t("typing"); typingLine.hidden = !event.on; }
        break;
      case "email.saved":
        if (event.offline) { state.offlineEmail = event.email; saveState(); composer.hidden = false; }
        formArea.textContent = "";
        formArea.appendChild(el("p", { "class": "card", text: t("saved", { e: event.email }) }));
        break;
      case "transcript.queued":
      case "transcript.empty":
        formArea.textContent = "";
        showAlert(event.type === "transcript.queued" ? t("transcriptDone", { e: event.email }) : t("transcriptEmpty"));
        break;
      case "error":
        if (event.cid && pending[event.cid]) {
          var failed = pending[event.cid]; delete pending[event.cid];
          render({ key: "pending:" + event.cid, dir: "in", text: failed.frame.text,
            files: failed.frame.file ? [failed.frame.file.name] : [], state: "failed" }, failed.item);
        }
        showAlert(T[event.code] || TEXTS.en[event.code] ? t(event.code) : (event.message || t("failedGeneric")));
        break;
    }
  }

  function connect() {
    clearTimeout(retryTimer);
    var url = hub.replace(/^http/, "ws") + "/channels/webchat/ws?inbox=" + encodeURIComponent(inbox);
    try { ws = new WebSocket(url); } catch (e) { return retry(); }
    ws.onopen = function () {
      var hello = { type: "hello", token: state.token || null, after: maxSeq, name: state.name || null };
      var uid = script.getAttribute("data-user-id");
      if (uid) {
        hello.user_id = uid; hello.user_hash = script.getAttribute("data-user-hash") || "";
        hello.name = hello.name || script.getAttribute("data-user-name");
      }
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = function (m) {
      var event; try { event = JSON.parse(m.data); } catch (e) { return; }
      onEvent(event);
    };
    ws.onclose = function (e) {
      ws = null;
      if (e.code === 4401) { delete state.token; saveState(); attempts = 0; return retry(); }
      if (e.code === 4403) { fatal = true; statusLine.textContent = t("unavailable"); composer.hidden = true; return; }
      retry();
    };
  }
  function retry() {
    if (fatal) return;
    statusLine.textContent = t("reconnecting");
    // Exponential back-off with jitter, so a restarted hub is not hit by every visitor at the same instant.
    var delay = Math.min(15000, 500 * Math.pow(2, attempts)) * (0.75 + Math.random() * 0.5);
    attempts += 1;
    retryTimer = setTimeout(connect, delay);
  }
  setInterval(function () { send({ type: "ping" }); }, 25000);
  document.addEventListener("visibilitychange", function () {
    // A tab coming back from the background reconnects at once instead of waiting out its back-off.
    if (!document.hidden && !ws && !fatal) { attempts = 0; connect(); }
  });
  window.HubChat = { open: function () { setOpen(true); }, close: function () { setOpen(false); } };
  connect();
  if (state.open) setOpen(true);
})();
