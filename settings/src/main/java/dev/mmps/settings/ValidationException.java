package dev.mmps.settings;

/**
 * A user's mistake: a bad flag, setting, path or input file, found before or while a command runs.
 * The message names the value, the rule it breaks and the fix, in one line. The commands print it
 * without a stack trace and exit with code 2; every other exception is a defect of mmps and is
 * printed with its trace (exit code 1).
 *
 * <p>Code that checks its caller's arguments throws {@link IllegalArgumentException} as usual; the
 * boundary that takes a user's values (configuration loading, manifest reading, the commands)
 * turns what the user can fix into this type.
 */
public class ValidationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ValidationException(String message) {
        super(message);
    }

    public ValidationException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Throws when {@code ok} is false.
     *
     * @param message the one-line message: value, rule and fix
     */
    public static void check(boolean ok, String message) {
        if (!ok) {
            throw new ValidationException(message);
        }
    }
}
