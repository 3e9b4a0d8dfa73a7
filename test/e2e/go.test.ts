import { defineTargetMatrix } from './matrix.js';

defineTargetMatrix('go');
