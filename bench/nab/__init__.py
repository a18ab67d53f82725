"""NAB (Numenta Anomaly Benchmark) real Twitter-volume series through Stormwatch's surge detector."""
