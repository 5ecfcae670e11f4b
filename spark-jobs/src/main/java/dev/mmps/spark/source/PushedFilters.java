package dev.mmps.spark.source;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;

import java.util.Arrays;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.sources.And;
import org.apache.spark.sql.sources.EqualNullSafe;
import org.apache.spark.sql.sources.EqualTo;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.sources.GreaterThan;
import org.apache.spark.sql.sources.GreaterThanOrEqual;
import org.apache.spark.sql.sources.In;
import org.apache.spark.sql.sources.IsNotNull;
import org.apache.spark.sql.sources.IsNull;
import org.apache.spark.sql.sources.LessThan;
import org.apache.spark.sql.sources.LessThanOrEqual;
import org.apache.spark.sql.sources.Not;
import org.apache.spark.sql.sources.Or;
import org.apache.spark.sql.sources.StringContains;
import org.apache.spark.sql.sources.StringEndsWith;
import org.apache.spark.sql.sources.StringStartsWith;

/**
 * Filters Spark hands a relation, as column expressions over the Parquet table, where Parquet's own pushdown
 * (row-group statistics, dictionary filters) takes them. Spark evaluates every filter again on the rows the
 * relation returns, so a filter this does not know is only not pushed. Every expression is exact (never a
 * weaker one), so that it stays right under a negation.
 */
final class PushedFilters {

    private PushedFilters() {}

    /** The filter as an expression, or null when it is not one this pushes. */
    static Column column(Filter f) {
        if (f instanceof EqualTo e) {
            return col(e.attribute()).equalTo(lit(e.value()));
        } else if (f instanceof EqualNullSafe e) {
            return col(e.attribute()).eqNullSafe(lit(e.value()));
        } else if (f instanceof GreaterThan g) {
            return col(g.attribute()).gt(lit(g.value()));
        } else if (f instanceof GreaterThanOrEqual g) {
            return col(g.attribute()).geq(lit(g.value()));
        } else if (f instanceof LessThan l) {
            return col(l.attribute()).lt(lit(l.value()));
        } else if (f instanceof LessThanOrEqual l) {
            return col(l.attribute()).leq(lit(l.value()));
        } else if (f instanceof In in) {
            return col(in.attribute()).isin(Arrays.stream(in.values()).toArray());
        } else if (f instanceof IsNull n) {
            return col(n.attribute()).isNull();
        } else if (f instanceof IsNotNull n) {
            return col(n.attribute()).isNotNull();
        } else if (f instanceof StringStartsWith s) {
            return col(s.attribute()).startsWith(s.value());
        } else if (f instanceof StringEndsWith s) {
            return col(s.attribute()).endsWith(s.value());
        } else if (f instanceof StringContains s) {
            return col(s.attribute()).contains(s.value());
        } else if (f instanceof And a) {
            Column l = column(a.left());
            Column r = column(a.right());
            return l == null || r == null ? null : l.and(r);
        } else if (f instanceof Or o) {
            Column l = column(o.left());
            Column r = column(o.right());
            return l == null || r == null ? null : l.or(r);
        } else if (f instanceof Not n) {
            Column c = column(n.child());
            return c == null ? null : not(c);
        }
        return null;
    }
}
