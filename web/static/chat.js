// The chat widget (rasa-webchat 1.0.1) on every page, with what the server decided:
// - the socket carries the token this page's server signed (?token=...: the widget cannot send
//   an auth payload); the chat server binds the socket to that customer's (or visitor's) chat;
// - a chat kept in this browser from another owner (logged out, someone else logged in) is
//   thrown away before the widget shows it;
// - the conversation shown is the one the server sends after each connect ("history").
(function () {
  var config = JSON.parse(document.getElementById("chat-config").textContent);
  var OWNER_KEY = "shop_chat_owner";
  var WIDGET_KEY = "chat_session";
  if (sessionStorage.getItem(OWNER_KEY) !== config.owner) {
    sessionStorage.removeItem(WIDGET_KEY);
    localStorage.removeItem(WIDGET_KEY);
    sessionStorage.setItem(OWNER_KEY, config.owner);
  }
  var widget = { current: null };

  function showHistory(messages) {
    var chat = widget.current;
    if (!chat || !chat.props) { return setTimeout(function () { showHistory(messages); }, 50); }
    var dispatch = chat.props.dispatch;
    dispatch({ type: "DROP_MESSAGES" });
    (messages || []).forEach(function (m) {
      if (m.sender === "user") {
        dispatch({ type: "ADD_NEW_USER_MESSAGE", text: m.text, nextMessageIsTooltip: false, hidden: false });
      } else if (m.quick_replies) {
        dispatch({ type: "ADD_BUTTONS", buttons: { text: m.text, quick_replies: m.quick_replies } });
      } else {
        dispatch({ type: "ADD_NEW_RESPONSE_MESSAGE", text: m.text });
      }
    });
  }

  WebChat.default({
    socketUrl: config.socketUrl + "/?token=" + encodeURIComponent(config.token),
    socketPath: "/socket.io/",
    title: "Shop assistant",
    subtitle: "Orders, deliveries, returns, products",
    inputTextFieldHint: "Ask about your order...",
    params: { storage: "session" },
    customMessageDelay: function () { return 0; },
    innerRef: widget,
    onSocketEvent: { history: showHistory },
  }, null);
})();
