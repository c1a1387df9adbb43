#include <sqlite3.h>

/// sqlite3_config is variadic, so Swift cannot call it: these wrappers set the options meshlog uses.
/// Turn off memory statistics (a global mutex on every allocation); call before the first connection.
static inline int meshlog_sqlite3_disable_memstatus(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/// Gives a connection a larger lookaside allocator (slots for cursors, records and small values),
/// so inserts stop going to malloc for every statement step.
static inline int meshlog_sqlite3_lookaside(sqlite3 *db, int slotSize, int slotCount) {
    return sqlite3_db_config(db, SQLITE_DBCONFIG_LOOKASIDE, (void *)0, slotSize, slotCount);
}
