import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code and need nothing running; integration tests
// in test/ start their own etcd (and later Docker) through test/harness.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{src,apiserver,controllers,scheduler,kubelet,proxy}/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
