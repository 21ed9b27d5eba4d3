declare module "d3-flame-graph" {
  // d3-flame-graph ships no types; the chart is a chain of setters (see its README).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  export default function flamegraph(): any;
}
