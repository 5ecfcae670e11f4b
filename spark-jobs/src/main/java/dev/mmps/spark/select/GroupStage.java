package dev.mmps.spark.select;

import dev.mmps.spark.config.SelectionSettings;
import dev.mmps.spark.sink.FactorRows;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

/**
 * Selects within each group of a partition whose feature rows arrive sorted by group and then id
 * (the identity columns, the features and the group number): holds one group's features at a time, picks
 * that group's quota with {@link Greedy}, and emits {@link SelectRows#SELECTION} rows in pick order.
 * The result depends only on the images, the settings and the seed, not on how Spark split the input.
 */
final class GroupStage implements MapPartitionsFunction<Row, Row> {

    private final SelectionSettings settings;
    private final Map<Integer, Integer> quotas;
    private final LongAccumulator done;
    private final CollectionAccumulator<Double> coveringRadii;

    /**
     * @param done images of finished groups
     * @param coveringRadii receives each K-Center group's covering radius
     */
    GroupStage(SelectionSettings settings, Map<Integer, Integer> quotas, LongAccumulator done,
            CollectionAccumulator<Double> coveringRadii) {
        this.settings = settings;
        this.quotas = Map.copyOf(quotas);
        this.done = done;
        this.coveringRadii = coveringRadii;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        int groupColumn = SelectRows.OWN + 1;
        return new Iterator<>() {
            private Row pending = rows.hasNext() ? rows.next() : null;
            private Iterator<Row> current = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && pending != null) {
                    current = selectGroup().iterator();
                }
                return current.hasNext();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }

            private List<Row> selectGroup() {
                int group = pending.getInt(groupColumn);
                List<FactorRows.Origin> origins = new ArrayList<>();
                ByteArrayOutputStream features = new ByteArrayOutputStream();
                while (pending != null && pending.getInt(groupColumn) == group) {
                    origins.add(SelectRows.origin(pending));
                    byte[] f = (byte[]) pending.get(SelectRows.OWN);
                    if (f.length != settings.featureValues()) {
                        throw new IllegalStateException("image " + origins.get(origins.size() - 1).id() + " has "
                                + f.length + " feature values where " + settings.featureLabel() + " has "
                                + settings.featureValues());
                    }
                    features.writeBytes(f);
                    pending = rows.hasNext() ? rows.next() : null;
                }
                return select(group, origins, features.toByteArray());
            }
        };
    }

    private List<Row> select(int group, List<FactorRows.Origin> origins, byte[] features) {
        int n = origins.size();
        int m = quotas.getOrDefault(group, 0);
        long seed = settings.seed() * 1_000_003L + group;
        Greedy.Picks picks = settings.method().equals("random") ? Greedy.random(n, m, seed)
                : Greedy.kCenter(features, n, settings.featureValues(), m, seed);
        List<Row> out = new ArrayList<>(m);
        for (int k = 0; k < m; k++) {
            out.add(SelectRows.selected(origins.get(picks.rows()[k]), group, k, picks.radius()[k]));
        }
        if (!Double.isNaN(picks.coveringRadius())) {
            coveringRadii.add(picks.coveringRadius());
        }
        done.add(n);
        return out;
    }
}
