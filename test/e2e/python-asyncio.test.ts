import { defineTargetMatrix } from './matrix.js';

defineTargetMatrix('python-asyncio');
