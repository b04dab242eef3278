import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  server: { proxy: { '/api': 'http://127.0.0.1:9090', '/readyz': 'http://127.0.0.1:9090' } },
  test: { environment: 'happy-dom', include: ['src/**/*.test.tsx', 'src/**/*.test.ts'] },
});
