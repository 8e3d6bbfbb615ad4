// The chat widget (rasa-webchat 1.0.1) on every page, with what the server decided:
// - the socket carries the token this page's server signed (?token=...: the widget cannot send
//   an auth payload); the chat server binds the socket to that customer's (or visitor's) chat;
// - a chat kept in this browser from another owner (logged out, someone else logged in) is
//   thrown away before the widget shows it;
// - the conversation shown is the one the server sends on each connect ("history").
(function () {
  var config = JSON.parse(document.getElementById("chat-config").textContent);
  var OWNER_KEY = "shop_chat_owner";
  var WIDGET_KEY = "chat_session";
  if (sessionStorage.getItem(OWNER_KEY) !== config.owner) {
    sessionStorage.removeItem(WIDGET_KEY);
    localStorage.removeItem(WIDGET_KEY);
    sessionStorage.setItem(OWNER_KEY, config.owner);
  }

  // The server sends the conversation ("history") just before it confirms the session. It goes
  // where rasa-webchat keeps its conversation, with no session id: the confirmation that follows
  // then differs from the stored id, and the widget loads the conversation from there.
  function keepHistory(messages) {
    var stored = {};
    try { stored = JSON.parse(sessionStorage.getItem(WIDGET_KEY)) || {}; } catch (e) { stored = {}; }
    var now = Date.now();
    stored.conversation = (messages || []).map(function (m, i) {
      var at = now - (messages.length - i);
      if (m.sender === "user") {
        return { type: "text", text: m.text, sender: "client", showAvatar: false, timestamp: at,
                 nextMessageIsTooltip: false, hidden: false };
      }
      if (m.quick_replies) {
        return { type: "buttons", text: m.text, hint: "Select an option...", quick_replies: m.quick_replies,
                 sender: "response", showAvatar: true, chosenReply: null, timestamp: at };
      }
      return { type: "text", text: m.text, sender: "response", showAvatar: true, timestamp: at,
               nextMessageIsTooltip: false, hidden: false };
    });
    stored.session_id = null;
    stored.version = "1.0.1";
    stored.lastUpdate = now;
    sessionStorage.setItem(WIDGET_KEY, JSON.stringify(stored));
  }

  WebChat.default({
    socketUrl: config.socketUrl + "/?token=" + encodeURIComponent(config.token),
    socketPath: "/socket.io/",
    title: "Shop assistant",
    subtitle: "Orders, deliveries, returns, products",
    inputTextFieldHint: "Ask about your order...",
    params: { storage: "session" },
    customMessageDelay: function () { return 0; },
    onSocketEvent: { history: keepHistory },
  }, null);
})();
