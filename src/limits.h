/* Every compile-time limit of chatsock in one place. */
#ifndef LIMITS_H
#define LIMITS_H

/* Longest input line in bytes, end-of-line excluded; longer lines are refused. */
#define LINE_MAX_BYTES		2048

/* Upper bounds for configurable values (the config validator enforces them). */
#define USERNAME_LIMIT_MAX	32
#define MESSAGE_LIMIT_MAX	500	/* x 4 bytes of UTF-8 fits LINE_MAX_BYTES */
#define CHATVIEW_MAX_MAX	1000
#define ROOM_NAME_MAX		32
#define ROOMS_MAX		1024
#define SHUTDOWN_GRACE_MAX	3600
#define TEXT_MAX		4096	/* welcome, shutdown and description texts */
#define PATH_BYTES_MAX		4096	/* file paths in the configuration */

/*
 * Longest run of spaces kept in a message (tabs, U+00A0, U+3000 and other
 * spaces count): padding cannot push text to the start of another row and
 * pass for a line of its own; three keep "end.  Next" and small alignment.
 */
#define MESSAGE_SPACES_MAX	3

/* Bytes of one formatted chat line: "[" name padded "]: " text CRLF. */
#define CHAT_LINE_MAX		(USERNAME_LIMIT_MAX + 4 + MESSAGE_LIMIT_MAX * 4 + 2)

/* The pause before the welcome when connectionTimeout is on, in ms. */
#define CONNECT_PAUSE_MS	2500

/* A closing client gets this long to drain its output before it is cut. */
#define CLOSE_FLUSH_SECONDS	5

/* Disconnect a flooder after this many refused lines in a row. */
#define FLOOD_STRIKES_MAX	20

/* Split screen used when a terminal reports no size (NAWS 0x0). */
#define TERM_DEFAULT_ROWS	24
#define TERM_DEFAULT_COLS	80
#define TERM_MIN_ROWS		5	/* fewer rows: plain lines, no split */

/* Lines the editor remembers for Up/Down, and the longest it keeps. */
#define EDITOR_HISTORY_LINES	16
#define EDITOR_HISTORY_BYTES	1024

/* A resize redraws the chat view at most this often (ms). */
#define RESIZE_DELAY_MS		250

/* Telnet negotiation commands a client may send: a burst, then per second. */
#define NEGOTIATION_BURST	200
#define NEGOTIATION_RATE	20

/*
 * Password guessing (:join of a room that needs a password, or of one that
 * does not exist). Per source address (IPv6: per /64), across connections:
 * JOIN_FREE_GUESSES wrong guesses, then each one more blocks the address
 * for 1, 2, 4 ... up to JOIN_PAUSE_MAX seconds. Per room name typed: two
 * token buckets, one for guesses from addresses with no wrong guess on
 * record (so that a user who knows the password still gets in while others
 * hammer the room) and one for the rest. An address or room is forgotten
 * JOIN_FORGET_SECONDS after its last guess; each table holds at most
 * JOIN_TABLE_MAX entries (the least recently used goes first).
 */
#define JOIN_FREE_GUESSES	3
#define JOIN_PAUSE_MAX		30
#define JOIN_ROOM_BURST		20	/* guesses from failed addresses */
#define JOIN_ROOM_PER_MIN	30
#define JOIN_CLEAN_BURST	10	/* guesses from clean addresses */
#define JOIN_CLEAN_PER_MIN	10
#define JOIN_FORGET_SECONDS	3600
#define JOIN_TABLE_MAX		4096
#define JOIN_LOG_SECONDS	60	/* a room under attack: one log line */

/* Input kept while it is not acted on (pause, password check). */
#define HELD_INPUT_MAX		(LINE_MAX_BYTES * 4)
/* Bytes one read of a telnet socket takes (into the stack). */
#define TCP_READ_MAX		16384

/* Password checks waiting for the verifier thread; more are refused. */
#define VERIFY_QUEUE_MAX	32

/* DM notices (and bells) from one user to another: one per this long. */
#define DM_NOTICE_SECONDS	60
/* Senders whose last DM notice each user remembers. */
#define DM_NOTICE_SENDERS	8
#define DM_LIMIT_MAX		1000

/*
 * Log lines about connections (accepted, named, closed, refused) per peer
 * address and window; more are counted and summed up at the window's end.
 * Addresses tracked at once; beyond that, new ones share one budget.
 */
#define LOG_ADDR_LINES		20
#define LOG_ADDR_WINDOW		60
#define LOG_ADDRS_MAX		4096

/* SSH: the user name kept, "SHA256:" + base64, one write, input held. */
#define SSHD_USER_MAX		64
#define SSHD_FINGERPRINT_MAX	64
#define SSHD_WRITE_MAX		65536
#define SSHD_INPUT_MAX		(LINE_MAX_BYTES * 4)

/* Accounts: keys one name may have, names one key may own. */
#define ACCOUNT_KEYS_MAX	16
#define ACCOUNT_NAMES_PER_KEY	5

/* Admin protocol: longest request line. */
#define ADMIN_LINE_MAX		8192

/* Cluster (cluster.c): node names, lease bounds, the link's budgets. */
#define CLUSTER_NODE_MAX	32
#define CLUSTER_LEASE_MIN	3
#define CLUSTER_LEASE_MAX	3600
#define CLUSTER_CONNECT_MS	2000	/* connect and AUTH, then give up */
#define CLUSTER_BEAT_MS		1000	/* heartbeat on the node's channel */
#define CLUSTER_BEAT_DEAD_MS	3000	/* no echo this long: link down */
#define CLUSTER_BACKOFF_MIN_MS	100
#define CLUSTER_BACKOFF_MAX_MS	2000
#define CLUSTER_PENDING_MAX	20000	/* commands without a reply */
#define CLUSTER_READS_MAX	16	/* of 16 KiB from Redis per loop turn */
#define CLUSTER_PENDING_BYTES	(8 * 1024 * 1024)

#endif
