package dev.mmps.spark.ingest;

/**
 * Text from the input (file names above all) made safe to print on a console or in a log line:
 * control characters, which could end a line early or send terminal escape sequences, are written
 * as {@code \n}, {@code \t} or {@code \u001b}-style escapes; a backslash is doubled so the escaped
 * form reads back unambiguously. Tables keep the exact text; only what is printed is escaped.
 */
public final class Printable {

    private Printable() {}

    public static String of(String text) {
        if (text == null) {
            return "null";
        }
        if (text.chars().noneMatch(c -> c == '\\' || Character.isISOControl(c) || isFormat(c))) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || isFormat(c)) {
                        out.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** Invisible format characters, such as the right-to-left override that reorders a name on screen. */
    private static boolean isFormat(int c) {
        return Character.getType(c) == Character.FORMAT;
    }
}
