#!/usr/bin/env node
// The `plm-ipe` command line: demo, extract, train, eval, predict (commander). Builds the program,
// runs it, and turns every failure into one `plm-ipe: error: ...` line with exit code 1.
import { Command } from 'commander';
import { demoCommand } from './demo-command.js';
import { evalCommand, extractCommand, trainCommand } from './data-commands.js';
import { predictCommand } from './predict-command.js';
import { reportError } from './errors.js';

function buildProgram(): Command {
  return new Command('plm-ipe')
    .description(
      'PLM-IPE: implicit preference estimation from face videos (pixel C3D + landmark LSTM, mutual learning)',
    )
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)')
    .addCommand(demoCommand())
    .addCommand(extractCommand())
    .addCommand(trainCommand())
    .addCommand(evalCommand())
    .addCommand(predictCommand());
}

buildProgram().parseAsync(process.argv).catch(reportError);
