package io.seqaudit.replay;

import java.util.regex.Pattern;

/**
 * Table and column names that may go into SQL text: plain unquoted identifiers (a letter or underscore, then
 * letters, digits or underscores, at most 63 characters, PostgreSQL's limit), a table optionally as
 * {@code schema.table}. Nothing else is ever concatenated into a statement; values always go as parameters.
 */
final class SqlIdentifiers {

    private static final String PART = "[A-Za-z_][A-Za-z0-9_]{0,62}";
    private static final Pattern COLUMN = Pattern.compile(PART);
    private static final Pattern TABLE = Pattern.compile(PART + "(\\." + PART + ")?");

    private SqlIdentifiers() {
    }

    /** @throws IllegalArgumentException naming the property if {@code value} is not a plain identifier */
    static String column(String property, String value) {
        if (value == null || !COLUMN.matcher(value).matches()) {
            throw new IllegalArgumentException(property + " must be a plain SQL identifier (letters, digits, "
                    + "underscore; not starting with a digit; at most 63 characters), not '" + value + "'");
        }
        return value;
    }

    /** @throws IllegalArgumentException naming the property if {@code value} is not {@code [schema.]table} */
    static String table(String property, String value) {
        if (value == null || !TABLE.matcher(value).matches()) {
            throw new IllegalArgumentException(property + " must be a plain SQL identifier, optionally "
                    + "schema.table (letters, digits, underscore; not starting with a digit; at most 63 characters "
                    + "each), not '" + value + "'");
        }
        return value;
    }

    /** The table's name without its schema. */
    static String unqualified(String table) {
        return table.substring(table.indexOf('.') + 1);
    }
}
