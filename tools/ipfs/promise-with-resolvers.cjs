// js-ipfs 0.66.1's dependencies call Promise.withResolvers, which Node 20 lacks
// (it arrived in Node 22). Loaded with NODE_OPTIONS=--require <this file>.
if (typeof Promise.withResolvers !== "function") {
  Object.defineProperty(Promise, "withResolvers", {
    configurable: true,
    writable: true,
    value: function withResolvers() {
      let resolve;
      let reject;
      const promise = new this((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
