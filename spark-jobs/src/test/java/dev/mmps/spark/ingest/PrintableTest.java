package dev.mmps.spark.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class PrintableTest {

    @Test
    void plainNamesAreLeftAlone() {
        String name = "cat/with space 'quote' \u00e9t\u00e9.jpg";
        assertSame(name, Printable.of(name));
    }

    @Test
    void controlAndFormatCharactersAreEscapedUnambiguously() {
        assertEquals("tab\\tand\\nnewline\\r.jpg", Printable.of("tab\tand\nnewline\r.jpg"));
        assertEquals("\\u001b[31mred.jpg", Printable.of("\u001b[31mred.jpg"));
        assertEquals("\\u202eevil.jpg", Printable.of("\u202eevil.jpg"));
        assertEquals("back\\\\n.jpg", Printable.of("back\\n.jpg"));
        assertEquals("null", Printable.of(null));
    }
}
