/* cairn serve: editing */
