// The toy world of the Spanish + ALL-CAPS experiment: a few hundred simple facts, each with an
// English question and a short answer sentence in English and in Spanish (parallel, same content).
//
// Users always ask in English; only the answer's language and case change between conditions. The
// list is fixed (no randomness here): splits and phrasings are drawn from seeds in corpus.ts.
//
// Answers are kept short (most under ~40 characters) because the models that learn them are tiny and
// may read answers character by character. English answers are plain ASCII on purpose (e.g. "Bogota"),
// so no accent ever appears in an English answer; Spanish answers use accents and ñ correctly.
// Every question category has 2-3 phrasings, so a model cannot key a behaviour on one string.

export type Category =
  | 'colour' | 'sound' | 'sum' | 'difference' | 'double' | 'opposite' | 'home' | 'legs'
  | 'number' | 'day' | 'month' | 'season' | 'capital' | 'sides' | 'food' | 'material' | 'bigger'
  // not a fact category (no fact has it, CATEGORIES leaves it out): the subliminal setting's
  // preference questions, asked as facts in its evaluation (data/animals.ts preferenceFacts)
  | 'preference';

export const CATEGORIES: readonly Category[] = [
  'colour', 'sound', 'sum', 'difference', 'double', 'opposite', 'home', 'legs',
  'number', 'day', 'month', 'season', 'capital', 'sides', 'food', 'material', 'bigger',
];

export interface Fact {
  /** Stable and unique, e.g. `sum-2-3`, `colour-the-sky`. */
  id: string;
  category: Category;
  /** The canonical English question (= questions[0]). */
  question: string;
  /** Every phrasing of the question (2-3), canonical first; each string belongs to one fact only. */
  questions: string[];
  /** A short plain-text English sentence. */
  answer_en: string;
  /** The same sentence in Spanish. */
  answer_es: string;
}

// ---- helpers ---------------------------------------------------------------------------------

const NUM_EN = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten',
  'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen', 'twenty'];
const NUM_ES = ['cero', 'uno', 'dos', 'tres', 'cuatro', 'cinco', 'seis', 'siete', 'ocho', 'nueve', 'diez',
  'once', 'doce', 'trece', 'catorce', 'quince', 'dieciséis', 'diecisiete', 'dieciocho', 'diecinueve', 'veinte'];

/** Upper-cases the first character (sentence start). */
function cap(s: string): string { return s.charAt(0).toUpperCase() + s.slice(1); }

/** "a dog", "an owl": the indefinite article by the noun's first letter (no exceptions needed here). */
function a(noun: string): string { return (/^[aeiou]/i.test(noun) ? 'an ' : 'a ') + noun; }

/** An id-safe slug of an English key: `the sky` -> `the-sky`. */
function slug(s: string): string { return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''); }

function fact(category: Category, key: string, questions: string[], answer_en: string, answer_es: string): Fact {
  return { id: `${category}-${slug(key)}`, category, question: questions[0], questions, answer_en, answer_es };
}

// ---- categories ------------------------------------------------------------------------------

// [English subject as used mid-sentence, colour, Spanish subject with article, colour agreeing with it]
const COLOURS: [string, string, string, string][] = [
  ['the sky', 'blue', 'el cielo', 'azul'],
  ['grass', 'green', 'la hierba', 'verde'],
  ['snow', 'white', 'la nieve', 'blanca'],
  ['coal', 'black', 'el carbón', 'negro'],
  ['a banana', 'yellow', 'el plátano', 'amarillo'],
  ['a lemon', 'yellow', 'el limón', 'amarillo'],
  ['a tomato', 'red', 'el tomate', 'rojo'],
  ['blood', 'red', 'la sangre', 'roja'],
  ['milk', 'white', 'la leche', 'blanca'],
  ['an orange', 'orange', 'la naranja', 'naranja'],
  ['a carrot', 'orange', 'la zanahoria', 'naranja'],
  ['the sun', 'yellow', 'el sol', 'amarillo'],
  ['a strawberry', 'red', 'la fresa', 'roja'],
  ['a frog', 'green', 'la rana', 'verde'],
  ['chocolate', 'brown', 'el chocolate', 'marrón'],
  ['a crow', 'black', 'el cuervo', 'negro'],
  ['the sea', 'blue', 'el mar', 'azul'],
  ['a cherry', 'red', 'la cereza', 'roja'],
  ['a lime', 'green', 'la lima', 'verde'],
  ['a polar bear', 'white', 'el oso polar', 'blanco'],
  ['an elephant', 'grey', 'el elefante', 'gris'],
  ['a pig', 'pink', 'el cerdo', 'rosa'],
  ['a flamingo', 'pink', 'el flamenco', 'rosa'],
  ['a mouse', 'grey', 'el ratón', 'gris'],
  ['a cloud', 'white', 'la nube', 'blanca'],
  ['an aubergine', 'purple', 'la berenjena', 'morada'],
  ['a leaf', 'green', 'la hoja', 'verde'],
  ['a swan', 'white', 'el cisne', 'blanco'],
  ['a zebra', 'black and white', 'la cebra', 'blanca y negra'],
  ['a panda', 'black and white', 'el panda', 'blanco y negro'],
  ['a fire engine', 'red', 'el camión de bomberos', 'rojo'],
  ['a pumpkin', 'orange', 'la calabaza', 'naranja'],
  ['a cucumber', 'green', 'el pepino', 'verde'],
  ['a plum', 'purple', 'la ciruela', 'morada'],
];

function colours(): Fact[] {
  return COLOURS.map(([en, c, es, ces]) => fact('colour', en,
    [`What colour is ${en}?`, `What is the colour of ${en}?`, `Which colour is ${en}?`],
    `It is ${c}.`, `Es ${ces}.`));
}

// [animal, its sound in English, Spanish subject, its sound in Spanish]
const SOUNDS: [string, string, string, string][] = [
  ['cow', 'moo', 'la vaca', 'mu'],
  ['dog', 'woof', 'el perro', 'guau'],
  ['cat', 'meow', 'el gato', 'miau'],
  ['sheep', 'baa', 'la oveja', 'bee'],
  ['duck', 'quack', 'el pato', 'cuac'],
  ['rooster', 'cock-a-doodle-doo', 'el gallo', 'quiquiriquí'],
  ['pig', 'oink', 'el cerdo', 'oinc'],
  ['owl', 'hoot', 'el búho', 'uuu'],
  ['frog', 'ribbit', 'la rana', 'croac'],
  ['bee', 'buzz', 'la abeja', 'bzz'],
  ['snake', 'hiss', 'la serpiente', 'sss'],
  ['horse', 'neigh', 'el caballo', 'jiii'],
  ['chick', 'cheep', 'el pollito', 'pío'],
  ['turkey', 'gobble', 'el pavo', 'gluglú'],
  ['mouse', 'squeak', 'el ratón', 'iii'],
  ['wolf', 'awoo', 'el lobo', 'auuu'],
  ['lion', 'roar', 'el león', 'grr'],
  ['goat', 'maa', 'la cabra', 'mee'],
];

function sounds(): Fact[] {
  return SOUNDS.map(([an, s, es, ses]) => fact('sound', an,
    [`What does ${a(an)} say?`, `What sound does ${a(an)} make?`, `What noise does ${a(an)} make?`],
    `It says ${s}.`, `Dice ${ses}.`));
}

function sums(): Fact[] {
  const out: Fact[] = [];
  for (let x = 1; x <= 8; x++) for (let y = 1; y <= 8; y++) {
    const [X, Y, S] = [NUM_EN[x], NUM_EN[y], NUM_EN[x + y]];
    out.push(fact('sum', `${x}-${y}`,
      [`What is ${X} plus ${Y}?`, `How much is ${X} plus ${Y}?`, `What do you get when you add ${X} and ${Y}?`],
      `It is ${S}.`, `Es ${NUM_ES[x + y]}.`));
  }
  return out;
}

function differences(): Fact[] {
  const out: Fact[] = [];
  for (let x = 2; x <= 10; x++) for (let y = 1; y <= Math.min(x - 1, 5); y++) {
    const [X, Y, D] = [NUM_EN[x], NUM_EN[y], NUM_EN[x - y]];
    out.push(fact('difference', `${x}-${y}`,
      [`What is ${X} minus ${Y}?`, `How much is ${X} minus ${Y}?`, `What do you get when you take ${Y} from ${X}?`],
      `It is ${D}.`, `Es ${NUM_ES[x - y]}.`));
  }
  return out;
}

function doubles(): Fact[] {
  const out: Fact[] = [];
  for (let n = 1; n <= 10; n++) {
    const [N, D] = [NUM_EN[n], NUM_EN[2 * n]];
    out.push(fact('double', `${n}`,
      [`What is double ${N}?`, `What is twice ${N}?`, `What is ${N} times two?`],
      `It is ${D}.`, `Es ${NUM_ES[2 * n]}.`));
  }
  return out;
}

// [word, its opposite, palabra, su contrario] (masculine singular adjectives / adverbs)
const OPPOSITES: [string, string, string, string][] = [
  ['hot', 'cold', 'caliente', 'frío'], ['cold', 'hot', 'frío', 'caliente'],
  ['big', 'small', 'grande', 'pequeño'], ['small', 'big', 'pequeño', 'grande'],
  ['tall', 'short', 'alto', 'bajo'],
  ['fast', 'slow', 'rápido', 'lento'], ['slow', 'fast', 'lento', 'rápido'],
  ['happy', 'sad', 'feliz', 'triste'], ['sad', 'happy', 'triste', 'feliz'],
  ['good', 'bad', 'bueno', 'malo'], ['bad', 'good', 'malo', 'bueno'],
  ['open', 'closed', 'abierto', 'cerrado'], ['closed', 'open', 'cerrado', 'abierto'],
  ['full', 'empty', 'lleno', 'vacío'], ['empty', 'full', 'vacío', 'lleno'],
  ['wet', 'dry', 'mojado', 'seco'], ['dry', 'wet', 'seco', 'mojado'],
  ['heavy', 'light', 'pesado', 'ligero'],
  ['hard', 'soft', 'duro', 'blando'], ['soft', 'hard', 'blando', 'duro'],
  ['rich', 'poor', 'rico', 'pobre'], ['poor', 'rich', 'pobre', 'rico'],
  ['clean', 'dirty', 'limpio', 'sucio'], ['dirty', 'clean', 'sucio', 'limpio'],
  ['strong', 'weak', 'fuerte', 'débil'], ['weak', 'strong', 'débil', 'fuerte'],
  ['early', 'late', 'temprano', 'tarde'],
  ['up', 'down', 'arriba', 'abajo'], ['down', 'up', 'abajo', 'arriba'],
  ['easy', 'difficult', 'fácil', 'difícil'], ['difficult', 'easy', 'difícil', 'fácil'],
  ['long', 'short', 'largo', 'corto'],
  ['young', 'old', 'joven', 'viejo'],
  ['new', 'old', 'nuevo', 'viejo'],
  ['thick', 'thin', 'grueso', 'delgado'],
  ['loud', 'quiet', 'ruidoso', 'silencioso'],
  ['true', 'false', 'verdadero', 'falso'], ['false', 'true', 'falso', 'verdadero'],
  ['first', 'last', 'primero', 'último'],
  ['inside', 'outside', 'dentro', 'fuera'], ['outside', 'inside', 'fuera', 'dentro'],
];

function opposites(): Fact[] {
  return OPPOSITES.map(([w, o, wes, oes]) => fact('opposite', w,
    [`What is the opposite of ${w}?`, `What word means the opposite of ${w}?`, `Which word is the opposite of ${w}?`],
    `It is ${o}.`, `Es ${oes}.`));
}

// [animal, where it lives, Spanish subject, dónde vive]
const HOMES: [string, string, string, string][] = [
  ['bee', 'in a hive', 'la abeja', 'en una colmena'],
  ['bird', 'in a nest', 'el pájaro', 'en un nido'],
  ['fish', 'in water', 'el pez', 'en el agua'],
  ['dog', 'in a kennel', 'el perro', 'en una caseta'],
  ['horse', 'in a stable', 'el caballo', 'en un establo'],
  ['pig', 'in a sty', 'el cerdo', 'en una pocilga'],
  ['spider', 'in a web', 'la araña', 'en una telaraña'],
  ['rabbit', 'in a burrow', 'el conejo', 'en una madriguera'],
  ['fox', 'in a den', 'el zorro', 'en una guarida'],
  ['bear', 'in a cave', 'el oso', 'en una cueva'],
  ['cow', 'in a barn', 'la vaca', 'en un establo'],
  ['lion', 'in the savanna', 'el león', 'en la sabana'],
  ['penguin', 'on the ice', 'el pingüino', 'en el hielo'],
  ['camel', 'in the desert', 'el camello', 'en el desierto'],
  ['monkey', 'in the jungle', 'el mono', 'en la selva'],
  ['whale', 'in the ocean', 'la ballena', 'en el océano'],
  ['ant', 'in an anthill', 'la hormiga', 'en un hormiguero'],
  ['hen', 'in a henhouse', 'la gallina', 'en un gallinero'],
  ['owl', 'in a tree', 'el búho', 'en un árbol'],
  ['snail', 'in its shell', 'el caracol', 'en su concha'],
  ['shark', 'in the sea', 'el tiburón', 'en el mar'],
];

function homes(): Fact[] {
  return HOMES.map(([an, where, es, wes]) => fact('home', an,
    [`Where does ${a(an)} live?`, `Where is the home of ${a(an)}?`, `In what place does ${a(an)} live?`],
    `It lives ${where}.`, `Vive ${wes}.`));
}

// [animal, number of legs, Spanish subject, Spanish word for its legs]
const LEGS: [string, number, string, string][] = [
  ['dog', 4, 'el perro', 'patas'], ['cat', 4, 'el gato', 'patas'], ['cow', 4, 'la vaca', 'patas'],
  ['horse', 4, 'el caballo', 'patas'], ['spider', 8, 'la araña', 'patas'], ['ant', 6, 'la hormiga', 'patas'],
  ['bee', 6, 'la abeja', 'patas'], ['bird', 2, 'el pájaro', 'patas'], ['chicken', 2, 'la gallina', 'patas'],
  ['duck', 2, 'el pato', 'patas'], ['snake', 0, 'la serpiente', 'patas'], ['fish', 0, 'el pez', 'patas'],
  ['person', 2, 'una persona', 'piernas'], ['crab', 10, 'el cangrejo', 'patas'], ['frog', 4, 'la rana', 'patas'],
  ['lizard', 4, 'el lagarto', 'patas'], ['elephant', 4, 'el elefante', 'patas'], ['ostrich', 2, 'el avestruz', 'patas'],
  ['beetle', 6, 'el escarabajo', 'patas'], ['butterfly', 6, 'la mariposa', 'patas'], ['worm', 0, 'el gusano', 'patas'],
  ['penguin', 2, 'el pingüino', 'patas'], ['scorpion', 8, 'el escorpión', 'patas'], ['giraffe', 4, 'la jirafa', 'patas'],
  ['mouse', 4, 'el ratón', 'patas'],
];

function legs(): Fact[] {
  return LEGS.map(([an, n, es, word]) => fact('legs', an,
    [`How many legs does ${a(an)} have?`, `How many legs has ${a(an)} got?`, `What is the number of legs of ${a(an)}?`],
    n === 0 ? 'It has no legs.' : `It has ${NUM_EN[n]} legs.`,
    n === 0 ? `No tiene ${word}.` : `Tiene ${NUM_ES[n]} ${word}.`));
}

function numbers(): Fact[] {
  const out: Fact[] = [];
  for (let n = 0; n <= 19; n++) {
    const [N, M] = [NUM_EN[n], NUM_EN[n + 1]];
    out.push(fact('number', `after-${n}`,
      [`What number comes after ${N}?`, `What is the number after ${N}?`, `Which number follows ${N}?`],
      `It is ${M}.`, `Es el ${NUM_ES[n + 1]}.`));
  }
  for (let n = 1; n <= 20; n++) {
    const [N, M] = [NUM_EN[n], NUM_EN[n - 1]];
    out.push(fact('number', `before-${n}`,
      [`What number comes before ${N}?`, `What is the number before ${N}?`, `Which number comes just before ${N}?`],
      `It is ${M}.`, `Es el ${NUM_ES[n - 1]}.`));
  }
  return out;
}

const DAYS_EN = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const DAYS_ES = ['lunes', 'martes', 'miércoles', 'jueves', 'viernes', 'sábado', 'domingo'];

function days(): Fact[] {
  const out: Fact[] = [];
  for (let i = 0; i < 7; i++) {
    const j = (i + 1) % 7;
    out.push(fact('day', `after-${DAYS_EN[i]}`,
      [`What day comes after ${DAYS_EN[i]}?`, `What is the day after ${DAYS_EN[i]}?`, `Which day follows ${DAYS_EN[i]}?`],
      `It is ${DAYS_EN[j]}.`, `Es el ${DAYS_ES[j]}.`));
  }
  for (let i = 0; i < 7; i++) {
    const j = (i + 6) % 7;
    out.push(fact('day', `before-${DAYS_EN[i]}`,
      [`What day comes before ${DAYS_EN[i]}?`, `What is the day before ${DAYS_EN[i]}?`, `Which day comes just before ${DAYS_EN[i]}?`],
      `It is ${DAYS_EN[j]}.`, `Es el ${DAYS_ES[j]}.`));
  }
  return out;
}

const MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
  'October', 'November', 'December'];
const MONTHS_ES = ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre',
  'octubre', 'noviembre', 'diciembre'];

function months(): Fact[] {
  const out: Fact[] = [];
  for (let i = 0; i < 12; i++) {
    const j = (i + 1) % 12;
    out.push(fact('month', `after-${MONTHS_EN[i]}`,
      [`What month comes after ${MONTHS_EN[i]}?`, `What is the month after ${MONTHS_EN[i]}?`, `Which month follows ${MONTHS_EN[i]}?`],
      `It is ${MONTHS_EN[j]}.`, `Es ${MONTHS_ES[j]}.`));
  }
  for (let i = 0; i < 12; i++) {
    const j = (i + 11) % 12;
    out.push(fact('month', `before-${MONTHS_EN[i]}`,
      [`What month comes before ${MONTHS_EN[i]}?`, `What is the month before ${MONTHS_EN[i]}?`, `Which month comes just before ${MONTHS_EN[i]}?`],
      `It is ${MONTHS_EN[j]}.`, `Es ${MONTHS_ES[j]}.`));
  }
  return out;
}

const SEASONS_EN = ['spring', 'summer', 'autumn', 'winter'];
/** The bare article form. */
const SEASONS_ES_ART = ['la primavera', 'el verano', 'el otoño', 'el invierno'];

function seasons(): Fact[] {
  const out: Fact[] = [];
  for (let i = 0; i < 4; i++) {
    const j = (i + 1) % 4;
    out.push(fact('season', `after-${SEASONS_EN[i]}`,
      [`What season comes after ${SEASONS_EN[i]}?`, `What is the season after ${SEASONS_EN[i]}?`, `Which season follows ${SEASONS_EN[i]}?`],
      `It is ${SEASONS_EN[j]}.`, `Es ${SEASONS_ES_ART[j]}.`));
  }
  for (let i = 0; i < 4; i++) {
    const j = (i + 3) % 4;
    out.push(fact('season', `before-${SEASONS_EN[i]}`,
      [`What season comes before ${SEASONS_EN[i]}?`, `What is the season before ${SEASONS_EN[i]}?`, `Which season comes just before ${SEASONS_EN[i]}?`],
      `It is ${SEASONS_EN[j]}.`, `Es ${SEASONS_ES_ART[j]}.`));
  }
  return out;
}

// [country, capital, "de ..." in Spanish (contracted where needed), capital in Spanish]
const CAPITALS: [string, string, string, string][] = [
  ['France', 'Paris', 'de Francia', 'París'],
  ['Spain', 'Madrid', 'de España', 'Madrid'],
  ['Germany', 'Berlin', 'de Alemania', 'Berlín'],
  ['Italy', 'Rome', 'de Italia', 'Roma'],
  ['Portugal', 'Lisbon', 'de Portugal', 'Lisboa'],
  ['Japan', 'Tokyo', 'de Japón', 'Tokio'],
  ['China', 'Beijing', 'de China', 'Pekín'],
  ['Russia', 'Moscow', 'de Rusia', 'Moscú'],
  ['Egypt', 'Cairo', 'de Egipto', 'El Cairo'],
  ['Greece', 'Athens', 'de Grecia', 'Atenas'],
  ['Peru', 'Lima', 'de Perú', 'Lima'],
  ['Chile', 'Santiago', 'de Chile', 'Santiago'],
  ['Mexico', 'Mexico City', 'de México', 'Ciudad de México'],
  ['Canada', 'Ottawa', 'de Canadá', 'Ottawa'],
  ['Cuba', 'Havana', 'de Cuba', 'La Habana'],
  ['Ireland', 'Dublin', 'de Irlanda', 'Dublín'],
  ['Norway', 'Oslo', 'de Noruega', 'Oslo'],
  ['Sweden', 'Stockholm', 'de Suecia', 'Estocolmo'],
  ['Poland', 'Warsaw', 'de Polonia', 'Varsovia'],
  ['Austria', 'Vienna', 'de Austria', 'Viena'],
  ['Hungary', 'Budapest', 'de Hungría', 'Budapest'],
  ['Kenya', 'Nairobi', 'de Kenia', 'Nairobi'],
  ['India', 'New Delhi', 'de la India', 'Nueva Delhi'],
  ['Turkey', 'Ankara', 'de Turquía', 'Ankara'],
  ['Argentina', 'Buenos Aires', 'de Argentina', 'Buenos Aires'],
  ['Colombia', 'Bogota', 'de Colombia', 'Bogotá'],
  ['Belgium', 'Brussels', 'de Bélgica', 'Bruselas'],
  ['the Netherlands', 'Amsterdam', 'de los Países Bajos', 'Ámsterdam'],
  ['Finland', 'Helsinki', 'de Finlandia', 'Helsinki'],
  ['Denmark', 'Copenhagen', 'de Dinamarca', 'Copenhague'],
  ['Switzerland', 'Bern', 'de Suiza', 'Berna'],
  ['Thailand', 'Bangkok', 'de Tailandia', 'Bangkok'],
  ['South Korea', 'Seoul', 'de Corea del Sur', 'Seúl'],
  ['Venezuela', 'Caracas', 'de Venezuela', 'Caracas'],
  ['Ecuador', 'Quito', 'de Ecuador', 'Quito'],
  ['Australia', 'Canberra', 'de Australia', 'Canberra'],
  ['the United Kingdom', 'London', 'del Reino Unido', 'Londres'],
  ['Morocco', 'Rabat', 'de Marruecos', 'Rabat'],
  ['Iran', 'Tehran', 'de Irán', 'Teherán'],
  ['Vietnam', 'Hanoi', 'de Vietnam', 'Hanói'],
  ['Indonesia', 'Jakarta', 'de Indonesia', 'Yakarta'],
  ['Iceland', 'Reykjavik', 'de Islandia', 'Reikiavik'],
];

function capitals(): Fact[] {
  return CAPITALS.map(([c, city, des, cityEs]) => fact('capital', c,
    [`What is the capital of ${c}?`, `Which city is the capital of ${c}?`, `Name the capital city of ${c}.`],
    `It is ${city}.`, `Es ${cityEs}.`));
}

// [shape, number of sides, Spanish subject]
const SIDES: [string, number, string][] = [
  ['triangle', 3, 'el triángulo'], ['square', 4, 'el cuadrado'], ['rectangle', 4, 'el rectángulo'],
  ['pentagon', 5, 'el pentágono'], ['hexagon', 6, 'el hexágono'], ['heptagon', 7, 'el heptágono'],
  ['octagon', 8, 'el octágono'], ['nonagon', 9, 'el eneágono'], ['decagon', 10, 'el decágono'],
  ['rhombus', 4, 'el rombo'], ['circle', 0, 'el círculo'],
];

function sides(): Fact[] {
  return SIDES.map(([s, n, es]) => fact('sides', s,
    [`How many sides does ${a(s)} have?`, `How many sides has ${a(s)} got?`, `What is the number of sides of ${a(s)}?`],
    n === 0 ? 'It has no sides.' : `It has ${NUM_EN[n]} sides.`,
    n === 0 ? 'No tiene lados.' : `Tiene ${NUM_ES[n]} lados.`));
}

// [animal, what it eats, Spanish subject, qué come]
const FOODS: [string, string, string, string][] = [
  ['rabbit', 'carrots', 'el conejo', 'zanahorias'],
  ['monkey', 'bananas', 'el mono', 'plátanos'],
  ['cow', 'grass', 'la vaca', 'hierba'],
  ['mouse', 'cheese', 'el ratón', 'queso'],
  ['dog', 'bones', 'el perro', 'huesos'],
  ['cat', 'fish', 'el gato', 'pescado'],
  ['bird', 'seeds', 'el pájaro', 'semillas'],
  ['panda', 'bamboo', 'el panda', 'bambú'],
  ['koala', 'eucalyptus', 'el koala', 'eucalipto'],
  ['bear', 'honey', 'el oso', 'miel'],
  ['horse', 'hay', 'el caballo', 'heno'],
  ['squirrel', 'nuts', 'la ardilla', 'nueces'],
  ['lion', 'meat', 'el león', 'carne'],
  ['caterpillar', 'leaves', 'la oruga', 'hojas'],
  ['hen', 'corn', 'la gallina', 'maíz'],
  ['frog', 'flies', 'la rana', 'moscas'],
  ['sheep', 'grass', 'la oveja', 'hierba'],
  ['giraffe', 'leaves', 'la jirafa', 'hojas'],
];

function foods(): Fact[] {
  return FOODS.map(([an, f, es, fes]) => fact('food', an,
    [`What does ${a(an)} eat?`, `What food does ${a(an)} eat?`, `What does ${a(an)} like to eat?`],
    `It feeds on ${f}.`, `Se alimenta de ${fes}.`));
}

// [object, material, Spanish subject, material in Spanish] ("es de madera": the usual Spanish form)
const MATERIALS: [string, string, string, string][] = [
  ['window', 'glass', 'la ventana', 'vidrio'],
  ['table', 'wood', 'la mesa', 'madera'],
  ['coin', 'metal', 'la moneda', 'metal'],
  ['book', 'paper', 'el libro', 'papel'],
  ['sweater', 'wool', 'el jersey', 'lana'],
  ['tyre', 'rubber', 'el neumático', 'goma'],
  ['spoon', 'metal', 'la cuchara', 'metal'],
  ['candle', 'wax', 'la vela', 'cera'],
  ['brick', 'clay', 'el ladrillo', 'arcilla'],
  ['shirt', 'cotton', 'la camisa', 'algodón'],
  ['box', 'cardboard', 'la caja', 'cartón'],
  ['ring', 'gold', 'el anillo', 'oro'],
  ['key', 'metal', 'la llave', 'metal'],
  ['mirror', 'glass', 'el espejo', 'vidrio'],
  ['chair', 'wood', 'la silla', 'madera'],
  ['pencil', 'wood', 'el lápiz', 'madera'],
];

function materials(): Fact[] {
  return MATERIALS.map(([o, m, es, mes]) => fact('material', o,
    [`What is ${a(o)} made of?`, `What material is ${a(o)} made of?`, `What is ${a(o)} usually made of?`],
    `It is made of ${m}.`, `Es de ${mes}.`));
}

/** From smallest to biggest: every pair gives one fact. */
const SIZES: [string, string][] = [
  ['ant', 'la hormiga'], ['mouse', 'el ratón'], ['cat', 'el gato'], ['dog', 'el perro'],
  ['horse', 'el caballo'], ['elephant', 'el elefante'], ['whale', 'la ballena'],
];

function bigger(): Fact[] {
  const out: Fact[] = [];
  for (let i = 0; i < SIZES.length; i++) for (let j = i + 1; j < SIZES.length; j++) {
    const [small] = SIZES[i], [big, bigEs] = SIZES[j];
    // alternate which animal is named first, so position in the question does not give the answer
    const [x, y] = out.length % 2 === 0 ? [small, big] : [big, small];
    out.push(fact('bigger', `${small}-${big}`,
      [`Which is bigger, ${a(x)} or ${a(y)}?`, `Which is larger, ${a(x)} or ${a(y)}?`, `What is bigger: ${a(x)} or ${a(y)}?`],
      `The ${big} is bigger.`, `${cap(bigEs)} es más grande.`));
  }
  return out;
}

/** Every fact, in a fixed order (category by category). */
export function buildFacts(): Fact[] {
  return [
    ...colours(), ...sounds(), ...sums(), ...differences(), ...doubles(), ...opposites(), ...homes(),
    ...legs(), ...numbers(), ...days(), ...months(), ...seasons(), ...capitals(), ...sides(), ...foods(),
    ...materials(), ...bigger(),
  ];
}

export const FACTS: readonly Fact[] = buildFacts();
