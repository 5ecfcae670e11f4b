package dev.mmps.spark.config;

import java.io.Serializable;

/** What an {@code mmps select} run was asked to do: where and how to read, and which subset to pick. */
public record SelectionConfig(JobConfig job, SelectionSettings selection) implements Serializable {}
