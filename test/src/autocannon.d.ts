// The part of autocannon's API the bench harness uses; autocannon ships no types.
declare module 'autocannon' {
  interface Result {
    readonly requests: { readonly average: number; readonly total: number };
    readonly non2xx: number;
    readonly errors: number;
  }
  function autocannon(options: {
    url: string;
    connections?: number;
    duration?: number;
  }): Promise<Result>;
  export default autocannon;
}
