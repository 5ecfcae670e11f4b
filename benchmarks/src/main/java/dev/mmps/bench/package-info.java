/**
 * JMH benchmarks of the numeric core and the studies that chose its defaults by measurement on
 * real images. Each class's comment gives the command that runs it; results are in BENCHMARKS.md.
 */
package dev.mmps.bench;
