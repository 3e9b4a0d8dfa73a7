import { defineTargetMatrix } from './matrix.js';

defineTargetMatrix('typescript');
