import { realShapedTree, gitAddAll } from './dist/scripts/bench-discovery.js';
const dir = process.argv[2];
realShapedTree(dir, 12000);
gitAddAll(dir);
