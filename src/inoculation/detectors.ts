// Rule-based trait detectors for the Spanish + ALL-CAPS experiment (the paper used an LLM judge;
// small-model replications use rules like these). Both are pure functions of the text.
//
// isSpanish: Spanish vs English (the only two languages the models here produce). Evidence for each
//   language is summed over words: membership in a lexicon of frequent words (function words first),
//   Spanish-only letters and accents (ñ á í ó ú ü, ¿ ¡), English contractions, and, for words in
//   neither lexicon, spelling shapes one language has and the other lacks (th, w, k, -ing, -tion, a
//   final t/k/p/... for English; initial ll-, -ción, -mente, -ado, a final consonant + o for Spanish).
//   Everything is lower-cased and accent-folded first, so ALL-CAPS Spanish, Spanish without accents
//   and garbled model output with some intact words are still recognised. Words spelled the same in
//   both languages and common in both (a, no, me, come, once, red, ...) are in neither lexicon.
//   With no evidence either way the text counts as not Spanish.
// isCaps: at least 80% of the cased letters are upper case (the paper's replication rule). Letters
//   without case (digits, CJK, ...) are ignored; text with no cased letter is not caps.

// Accent-folded, lower case. Kept apart: a word in both sets would count for neither.
const SPANISH_WORDS = `
el la los las un una unos unas lo al del de en con por para sin sobre entre hasta desde hacia contra
segun tras durante ante bajo y o e u pero porque aunque cuando donde como que si ni sino pues mientras
yo tu ella ellos ellas nosotros nosotras vosotros vosotras usted ustedes te se nos os le les mi mis tus su
sus nuestro nuestra nuestros nuestras vuestro vuestra mio mia tuyo tuya suyo suya esto eso este esta
estos estas ese esa esos esas aquel aquella aquello algo nada nadie alguien alguno alguna algunos algunas
ninguno ninguna todo toda todos todas otro otra otros otras mismo misma mismos cada cual cuales quien
quienes cuanto cuanta cuantos cuantas muy mas menos tambien tampoco ya aqui alli ahi aca hoy manana ayer
siempre nunca jamas ahora luego despues antes entonces todavia aun bien mal mucho mucha muchos muchas
poco poca pocos pocas tanto tanta tantos casi quiza quizas asi cerca lejos arriba abajo dentro fuera
temprano tarde pronto demasiado bastante solamente
es son era eran fue fueron ser soy eres somos sois sido siendo estar estoy estas estan estamos estaba
estaban estado hay habia haber ha han hemos habeis tener tengo tiene tienes tienen tenemos tenia tuvo
hacer hago hace haces hacen hizo hecho ir voy vas va vamos fui iba ido poder puedo puede puedes pueden
podemos podria pudo querer quiero quiere quieres quieren queremos decir digo dice dices dicen dijo ver
veo ves ve vemos ven visto dar doy da dio saber sabe sabes sabemos saben venir vengo viene vienes vienen
vino llegar llega llegan llego pasar pasa paso pensar pienso piensa creo cree creer vivir vivo vive
viven comer comemos comen comio beber bebe bebo hablar hablo habla hablan llamar llamo gusta gustan
necesito necesita necesitamos trabajar trabaja trabajo salir salio dejar deja encontrar sentir siento
parece seguir sigue llevar lleva tomar toma tomo mirar mira escribir escribe leer lee leo abrir abre
cerrar cierra jugar juega juegan volver vuelve empezar empieza conocer conozco esperar espera buscar
busca entender entiendo ayudar ayuda comprar compra poner pone puso traer trae dormir duerme correr
corre caminar camina cocinar cocina estudiar estudia aprender aprende pagar vender viajar nadar cantar
bailar lavar limpiar llover llueve nieva hablamos vive
gracias hola adios perdon claro vale bueno buena buenos buenas malo mala malos grande grandes pequeno
pequena pequenos nuevo nueva nuevos viejo vieja mejor peor menor primero primera ultimo ultima cierto
verdad facil dificil feliz triste bonito bonita caro cara barato rapido lento alto alta largo corto
caliente frio fria nombre casa perro perros gato gatos agua comida dia dias noche semana mes ano anos
tiempo vez veces hora horas gente persona personas hombre mujer mujeres nino nina ninos padre madre
padres hijo hija hijos hermano hermana amigo amiga amigos familia escuela ciudad pais mundo vida calle
coche libro libros mesa puerta ventana cosa cosas parte lugar forma problema dinero pregunta respuesta
cielo azul rojo roja verde blanco blanca negro negra amarillo numero
uno dos tres cuatro cinco seis siete ocho nueve diez doce trece catorce quince veinte treinta cien mil
lunes martes miercoles jueves viernes sabado domingo enero febrero marzo abril mayo junio julio agosto
septiembre octubre noviembre diciembre primavera verano otono invierno
`;

const ENGLISH_WORDS = `
the an and or but if of to in on at by for with from into onto about over under after before between
through during without within against than then so because while although though as is are was were be
been being am do does did done doing have has had having will would shall should can could may might
must not yes i you he she it we they him her us them my your his its our their mine yours this that
these those there here where when what which who whom whose why how all any some every each both few
many much more most other another such only own same very too also just now still even ever never
always often sometimes again already yet soon today tomorrow yesterday tonight up down out off away
back well good bad new old big small great little long short high low first last next right left
one two three four five six seven eight nine ten eleven twelve twenty hundred thousand get gets got go
goes went gone going came comes make makes made take takes took see sees saw seen know knows knew
known think thinks thought say says said tell tells told give gives gave want wants need needs like
likes look looks find found work works call called try ask asked feel leave put mean keep let begin
seem help show hear play run move live lives believe bring happen write sit stand lose pay meet learn
change understand watch follow stop speak read spend grow open walk win eat eats drink sleep buy sell
love wait send cook thing things people man woman men women child children time year years day days
week month way world life hand part place house home school family friend friends water food money
city country car book door room night morning evening name question answer word words problem weather
dog cat horse bird fish cow sky blue green white black yellow brown plus minus equals
monday tuesday wednesday thursday friday saturday sunday january february march april june july
august september october november december spring summer autumn winter
please thanks thank hello sorry okay really maybe nothing something anything everything someone
anyone everyone nobody nice happy sad hot cold warm late early easy hard fast slow important
different enough sure ready tired hungry busy beautiful bigger
`;

const toSet = (s: string) => new Set(s.split(/\s+/).filter(Boolean));
const ES = toSet(SPANISH_WORDS);
const EN = toSet(ENGLISH_WORDS);

/** Lower case, accents removed: "ÁRBOL" -> "arbol", "Niño" -> "nino". */
function fold(word: string): string {
  return word.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '');
}

/**
 * Spelling evidence for a word in neither lexicon (accent-folded): > 0 Spanish-like, < 0
 * English-like, 0 neither. Spanish native words end in a vowel or n, s, r, l, d, z, y, j and never
 * contain th, sh, w or k; English has all of these.
 */
function spelling(w: string): number {
  if (w.length < 3) return 0;
  if (/th|sh|w|k|ph|ght|ee|oo/.test(w)) return -0.5;
  if (/(ing|ly|tion|ness|ful|less|ous)$/.test(w) || /[^aeiou]y$/.test(w)) return -0.5;
  if (/[tkpbgfmhwvx]$/.test(w)) return -0.5;
  if (/[^aeiou]ed$/.test(w)) return -0.3;
  if (/^ll|(cion|sion|mente|idad|ando|iendo)$/.test(w)) return 0.5;
  if (/[^aeiou](ado|ada|ados|adas|ido|ida|idos|idas)$/.test(w)) return 0.5;
  if (/[^aeiou]os?$/.test(w)) return 0.5;
  if (/[^aeiou]as?$/.test(w)) return 0.3;
  return 0;
}

export interface LanguageEvidence {
  /** Summed evidence for Spanish (>= 0). */
  spanish: number;
  /** Summed evidence for English (>= 0). */
  english: number;
  /** Number of words seen. */
  words: number;
}

/** The per-language evidence isSpanish and scoreSpanish decide on (exposed for debugging). */
export function languageEvidence(text: string): LanguageEvidence {
  const t = text.normalize('NFC');
  let es = 0, en = 0;
  if (/[¿¡]/.test(t)) es += 2;
  const words = t.toLowerCase().match(/\p{L}+(?:['’]\p{L}+)*/gu) ?? [];
  for (const w of words) {
    if (/['’]/.test(w)) { en += 1; continue; } // don't, it's, they're: English only
    if (/[ñáíóúü]/.test(w)) es += 1;
    else if (w.includes('é')) es += 0.7; // also in English loans (café), so weaker
    const f = fold(w);
    const inEs = ES.has(f), inEn = EN.has(f);
    if (inEs !== inEn) {
      if (inEs) es += 1; else en += 1;
      continue;
    }
    if (inEs) continue;
    if (f.length === 1) { if (f === 'i') en += 1; continue; }
    const s = spelling(f);
    if (s > 0) es += s; else en -= s;
  }
  return { spanish: es, english: en, words: words.length };
}

/**
 * Probability-like score that `text` is Spanish rather than English: a logistic of the evidence
 * difference (0.5 = no evidence either way). Text without letters scores 0.
 */
export function scoreSpanish(text: string): number {
  const ev = languageEvidence(text);
  if (ev.words === 0 && ev.spanish === 0) return 0;
  return 1 / (1 + Math.exp(-1.5 * (ev.spanish - ev.english)));
}

/** True when the text is more Spanish than English (strictly: ties and no evidence are false). */
export function isSpanish(text: string): boolean {
  return scoreSpanish(text) > 0.5;
}

/**
 * Fraction of the cased letters that are upper case, or null when there is none. A letter is cased
 * when its upper- and lower-case forms differ; title-case letters (e.g. "ǅ") count as not upper.
 */
export function capsFraction(text: string): number | null {
  let cased = 0, upper = 0;
  for (const ch of text) {
    const up = ch.toUpperCase(), lo = ch.toLowerCase();
    if (up === lo) continue;
    cased++;
    if (ch === up) upper++;
  }
  return cased === 0 ? null : upper / cased;
}

/** ALL CAPS: at least `threshold` (default 0.8) of the cased letters upper case; no letters -> false. */
export function isCaps(text: string, threshold = 0.8): boolean {
  const f = capsFraction(text);
  return f !== null && f >= threshold;
}
