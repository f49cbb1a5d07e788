/* Every text the daemon sends to users, in one place (ngircd messages.h). */
#ifndef MESSAGES_H
#define MESSAGES_H

/* Connection and naming. */
#define MSG_CONNECTING		"Connecting to chatsock..."
#define MSG_BANNER		"chatsock %s - type :help for commands"
#define MSG_NAME_PROMPT		"Choose a username: "
#define MSG_NAME_EMPTY		"A username cannot be empty."
#define MSG_NAME_LONG		"That username is too long: at most %u characters."
#define MSG_NAME_CHARS		"A username may only use the letters A-Z a-z, " \
				"the digits 0-9 and _ . -"
#define MSG_NAME_NO_ALNUM	"A username needs at least one letter or digit."
#define MSG_NAME_TAKEN		"The username %s is already taken."
#define MSG_NAME_OK		"You are connected as %s."
#define MSG_NAME_REGISTERED	"%s is registered: connect with ssh to use it."
#define MSG_NAME_GUESTS_OFF	"Only registered names may connect here, " \
				"over ssh."
#define MSG_NAME_TIMEOUT	"Timed out waiting for a username. Goodbye."
#define MSG_SERVER_FULL		"Sorry, the server is full. Please try again later."
#define MSG_ADDRESS_FULL	"Sorry, too many connections from your address."

/* Palette. */
#define MSG_PROMPT		"> "
#define MSG_PROMPT_ROOM		"[%s/%s]> "
#define MSG_PROMPT_DM		"[dm:%s/%s]> "
#define MSG_HINT_CHAT		"Commands start with ':' (try :help). " \
				"To talk, join a room and type :chat."
#define MSG_UNKNOWN_COMMAND	"Unknown command :%s. Type :help for the list."
#define MSG_USAGE		"Usage: %s"
#define MSG_Q_PALETTE		":q only works in the chat view " \
				"(:chat enters it, :quit leaves the server)."
#define MSG_HELP_HEAD		"Commands:"
#define MSG_ROOMS_HEAD		"Rooms:"
#define MSG_ROOMS_NONE		"There are no public rooms."
#define MSG_JOIN_REFUSED	"Cannot join %s: no such room or wrong password."
#define MSG_JOIN_WAIT		"Too many wrong passwords: wait %u s"
#define MSG_JOIN_BUSY		"Cannot check passwords right now: " \
				"try again later."
#define MSG_ROOM_FULL		"Cannot join %s: the room is full (%u/%u)."
#define MSG_JOINED		"You joined %s. Type :chat to talk."
#define MSG_ALREADY_IN		"You are already in %s."
#define MSG_NOT_IN_ROOM		"You are not in a room. Use :join ROOM or :dm USER."
#define MSG_LEFT_ROOM		"You left %s."
#define MSG_LEFT_DM		"You closed the conversation with %s."
#define MSG_LIST_HEAD		"Users in %s (%u):"
#define MSG_LISTALL_HEAD	"Users online (%u):"
#define MSG_QUIT_CONFIRM	"Do you really want to quit? (y/n) "
#define MSG_GOODBYE		"Goodbye."

/* Chatview. */
#define MSG_CHAT_ENTER		"--- %s: type to talk, :q to leave the view ---"
#define MSG_CHAT_LEAVE		"--- left the chat view ---"
#define MSG_CHAT_LINE		"[%-*s]: %s"
#define MSG_BLANK		"Not sent: nothing visible is left once control " \
				"and invisible characters are removed."
#define MSG_TOO_LONG		"Not sent: %zu characters, the limit is %u."
#define MSG_NOTICE_JOIN		"* %s joined %s"
#define MSG_NOTICE_LEAVE	"* %s left %s"

/* Input errors, in any state. */
#define MSG_LINE_TOO_LONG	"Line ignored: longer than %u bytes."
#define MSG_BAD_UTF8		"Line ignored: it is not valid UTF-8."
#define MSG_FLOOD		"Slow down: line ignored (flood control)."
#define MSG_FLOOD_KILL		"Disconnected for flooding."
#define MSG_NEGOTIATION_FLOOD	"Disconnected: too much telnet negotiation."

/* DMs. */
#define MSG_DM_WAITING		"* %s wants to talk privately: type :dm %s"
#define MSG_DM_SELF		"You cannot open a conversation with yourself."
#define MSG_DM_OFFLINE		"No user called %s is online."
#define MSG_DM_OPEN		"Private conversation with %s. Type :chat to talk."
#define MSG_DM_ENDED		"* %s went offline; the conversation ended."
#define MSG_DM_CLOSED		"* %s closed the conversation."
#define MSG_DM_AWAY		"* %s left the conversation (it stays open)."
#define MSG_DM_LIMIT		"You have %u conversations open, the limit: " \
				":close one first."
#define MSG_DM_NOT_SENT	"* Other nodes are out of reach: your " \
				"private message may not have arrived."
#define MSG_DM_PEER_LIMIT	"%s has too many conversations open."

/* Accounts. */
#define MSG_REGISTERED		"%s is now registered to your key %s."
#define MSG_REGISTER_SSH	"Only ssh users can register a name: " \
				"connect with ssh to register."
#define MSG_REGISTER_CLOSED	"Registration is closed here: ask an " \
				"operator."
#define MSG_REGISTER_ALREADY	"%s is already registered to your key."
#define MSG_REGISTER_FAILED	"Could not register %s: %s."
#define MSG_UNREGISTER_CONFIRM	"Release the name %s for anyone to use? (y/n) "
#define MSG_UNREGISTER_NOT	"%s is not registered."
#define MSG_UNREGISTERED	"%s is no longer registered."
#define MSG_UNREGISTER_FAILED	"Could not release %s: %s."
#define MSG_WHOIS_NONE		"No user called %s is online or registered."
#define MSG_WHOIS_HEAD		"%s: %s, %s"
#define MSG_WHOIS_KEY		"  key %s"
#define MSG_WHOIS_TIMES		"  connected %s ago, idle %s"
#define MSG_WHOIS_ROOM		"  in room %s"
#define MSG_WHOIS_SEEN		"  last seen %s"
#define MSG_WHOIS_NEVER		"  not seen since registered on %s"
#define MSG_LIST_REMOTE		"  %s%s (on %s)"
#define MSG_WHOIS_NODE		"  on node %s"
#define MSG_LIST_REGISTERED	"  (* a registered name)"
#define MSG_OPERATOR_TOOK	"*** An operator registered the name %s to " \
				"someone else."

/* SSH. */
#define MSG_SSH_NO_EXEC		"This server runs no commands: connect " \
				"without one to chat."
#define MSG_SSH_NO_SUBSYSTEM	"This server has no subsystems (sftp, scp): " \
				"connect with plain ssh to chat."
#define MSG_SSH_NO_FORWARDING	"This server forwards nothing: connect " \
				"without -A or -X to chat."

/* Operator. */
#define MSG_BROADCAST		"*** %s"
#define MSG_SHUTDOWN		"*** The server is shutting down in %u seconds."
#define MSG_SHUTDOWN_TEXT	"*** The server is shutting down in %u seconds: %s"
#define MSG_SHUTDOWN_BYE	"*** Server stopped. Goodbye."
#define MSG_KICKED		"*** You were disconnected by the operator."
#define MSG_KICKED_REASON	"*** You were disconnected by the operator: %s"
#define MSG_ROOM_REMOVED	"* The room %s was closed by the operator."

/* Cluster. */
#define MSG_CLUSTER_DOWN	"* Other nodes are out of reach: only users " \
				"on this node hear you for now."
#define MSG_CLUSTER_BACK	"* Other nodes are back: messages from them " \
				"may have been missed meanwhile."
#define MSG_NAME_UNCHECKED	"Names cannot be checked across the cluster " \
				"right now: try again in a moment."
#define MSG_ROOM_UNCHECKED	"Cannot join %s right now: its limit cannot " \
				"be checked across the cluster."
#define MSG_NAME_LOST		"*** Your name was taken on another node " \
				"while this one was out of reach. Goodbye."

#endif
